"""Loss terms, each returned in a dict of named tensors so the trainer can sum, log and switch off.

The colour terms are what make a dab mean something: the generator is rewarded when the *mean*
colour under a hint (and over a whole hinted region) equals the hint's colour, not when every pixel
does — texture stays free, the tone follows the artist.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from paintboard import features

DOutput = list[list[Tensor]]  # per scale: intermediate features ..., logits (last)


def split_pred(pred: DOutput) -> tuple[DOutput, DOutput]:
    """Split a discriminator output on [fake; real] (batched together) into (fake, real)."""
    fake, real = [], []
    for scale in pred:
        fake.append([t[: t.shape[0] // 2] for t in scale])
        real.append([t[t.shape[0] // 2 :] for t in scale])
    return fake, real


def d_hinge(pred_fake: DOutput, pred_real: DOutput) -> dict[str, Tensor]:
    """Hinge loss for D, averaged over the scales."""
    n = len(pred_fake)
    real = sum(F.relu(1.0 - s[-1]).mean() for s in pred_real) / n
    fake = sum(F.relu(1.0 + s[-1]).mean() for s in pred_fake) / n
    return {"D_real": real, "D_fake": fake}  # type: ignore[dict-item]


def g_hinge(pred_fake: DOutput) -> Tensor:
    """Hinge loss for G: raise D's score on fakes, averaged over the scales."""
    return -sum(s[-1].mean() for s in pred_fake) / len(pred_fake)  # type: ignore[return-value]


def feature_matching(pred_fake: DOutput, pred_real: DOutput) -> Tensor:
    """L1 between D's intermediate features on fake and (detached) real, averaged over scales.

    Stabilises the hinge game and acts as a download-free perceptual loss (no VGG here).
    """
    total = pred_fake[0][-1].new_zeros(())
    for sf, sr in zip(pred_fake, pred_real, strict=True):
        for f, r in zip(sf[:-1], sr[:-1], strict=True):
            total = total + F.l1_loss(f, r.detach())
    return total / len(pred_fake)


def _cell_onehots(h: int, w: int, s: int, like: Tensor) -> tuple[Tensor, Tensor]:
    """(s, H) and (s, W) one-hot masks of the grid rows/columns (``features.pixel_cells``)."""
    rows, cols = features.pixel_cells(h, w, s)
    eye = torch.eye(s, dtype=like.dtype, device=like.device)
    return eye[:, torch.from_numpy(rows).to(like.device)], eye[
        :, torch.from_numpy(cols).to(like.device)
    ]


def hint_colour_loss(fake: Tensor, maps: Tensor, s: int) -> Tensor:
    """L1 between each hinted cell's generated mean colour and its hint colour.

    Pools over the hint map's mask inside each grid cell: the hint map is rasterised by
    ``features.cell_rectangles`` (clipped to the cells), so this is exactly the per-cell
    rectangle mean that ``paintboard eval`` scores as the hinted-cell error.
    """
    rows, cols = _cell_onehots(fake.shape[2], fake.shape[3], s, fake)
    weight = maps[:, 0:1]  # (B, 1, H, W)
    area = torch.einsum("rh,bhw,cw->brc", rows, weight[:, 0], cols)
    gen = torch.einsum("rh,bkhw,cw->brck", rows, weight * (fake + 1.0) * 0.5, cols)
    tgt = torch.einsum("rh,bkhw,cw->brck", rows, weight * maps[:, 1:4], cols)
    valid = (area > 0).to(fake.dtype)
    err = (gen - tgt).abs().mean(-1) / area.clamp_min(1e-6)
    return (err * valid).sum() / valid.sum().clamp_min(1.0)


def region_colour_loss(fake: Tensor, labels: Tensor, maps: Tensor, num_classes: int) -> Tensor:
    """L1 between the generated mean colour and the region map's mean colour, per (image, class).

    Only where the region colour map is filled (maps channel 4).  Pooling per class instead of per
    connected component keeps it one einsum; both means run over the same pixels, so a class split
    into two differently hinted regions is still compared like with like.  This is the term that
    turns one orange dab into an orange sky (design §3).
    """
    filled = maps[:, 4:5]  # (B, 1, H, W)
    onehot = F.one_hot(labels.long(), num_classes).permute(0, 3, 1, 2).to(fake.dtype)
    weight = onehot * filled  # (B, K, H, W)
    count = weight.sum((2, 3))  # (B, K)
    gen = torch.einsum("bkhw,bchw->bkc", weight, (fake + 1.0) * 0.5)
    tgt = torch.einsum("bkhw,bchw->bkc", weight, maps[:, 5:8])
    valid = (count > 0).to(fake.dtype)
    err = ((gen - tgt).abs().mean(-1)) / count.clamp_min(1.0)
    return (err * valid).sum() / valid.sum().clamp_min(1.0)


SPECTRUM_BINS = (16, 9)  # (vertical, horizontal) frequency cells of the pooled log spectrum


def log_spectrum(img: Tensor) -> Tensor:
    """B×3×H×W → batch-mean log power spectrum of the grey image, pooled to
    :data:`SPECTRUM_BINS` cells (frequency 0 vertically in the middle, since rfft2 keeps only
    the non-negative horizontal half).  Pooling makes every batch shape comparable and keeps
    the cells' orientation, so a column pattern (power at horizontal Nyquist) stands out."""
    grey = img.float().mean(dim=1)
    grey = grey - grey.mean(dim=(1, 2), keepdim=True)
    power = torch.fft.rfft2(grey, norm="ortho").abs().square().mean(dim=0)
    power = torch.fft.fftshift(power, dim=0)
    return torch.log(F.adaptive_avg_pool2d(power[None, None], SPECTRUM_BINS)[0, 0] + 1e-6)


def spectrum_loss(fake: Tensor, real: Tensor) -> Tensor:
    """L1 between the pooled log spectra of the fake and the real batch.

    Why: a small strided discriminator barely sees the highest frequencies, and round 2's
    generator put 30–50× the ground truth's power into a period-2 column pattern and too much
    into fine noise (the grain and fine grid users saw; patch SWD's finest level).  Matching
    the *batch* spectrum constrains texture statistics, not pixels, so texture stays free.
    """
    return F.l1_loss(log_spectrum(fake), log_spectrum(real))


def _high_pass(img: Tensor) -> Tensor:
    """|grey − its 3×3 mean|: the finest detail, where grain and crisp texture live."""
    grey = img.float().mean(dim=1, keepdim=True)
    return (grey - F.avg_pool2d(F.pad(grey, (1, 1, 1, 1), mode="replicate"), 3, 1)).abs()


def texture_energy_loss(
    fake: Tensor, real: Tensor, labels: Tensor, num_classes: int, levels: int = 2
) -> Tensor:
    """Per image and label class, |log| of the ratio of fine-detail energy (mean high-pass
    magnitude over the class's pixels), fake against real, at ``levels`` scales.

    Why: patch SWD and the eye punish texture in the wrong *places* more than a wrong amount
    overall — round 2 laid the same embossed grain over a smooth sky as over a forest.  The
    spectrum loss matches the whole picture's power; this one says where it belongs, still
    without asking for any particular pixel.
    """
    onehot = F.one_hot(labels.long(), num_classes).permute(0, 3, 1, 2).to(torch.float32)
    total = fake.new_zeros((), dtype=torch.float32)
    for level in range(levels):
        if level:
            fake, real, onehot = (F.avg_pool2d(t, 2) for t in (fake, real, onehot))
        area = onehot.sum(dim=(2, 3))
        valid = area >= 64
        if not valid.any():
            continue
        ef = torch.einsum("bchw,bhw->bc", onehot, _high_pass(fake)[:, 0]) / area.clamp_min(1)
        er = torch.einsum("bchw,bhw->bc", onehot, _high_pass(real)[:, 0]) / area.clamp_min(1)
        total = total + (torch.log(ef + 1e-3) - torch.log(er + 1e-3)).abs()[valid].mean()
    return total / levels


_BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def _binomial_blur(x: Tensor) -> Tensor:
    """Separable [1 4 6 4 1]/16 blur per channel, reflected edges (the SWD pyramid's filter)."""
    c = x.shape[1]
    k = _BINOMIAL.to(x)
    for pad, shape in (((2, 2, 0, 0), (1, 1, 1, 5)), ((0, 0, 2, 2), (1, 1, 5, 1))):
        x = F.conv2d(F.pad(x, pad, mode="reflect"), k.view(shape).repeat(c, 1, 1, 1), groups=c)
    return x


def patch_swd_loss(
    fake: Tensor,
    real: Tensor,
    *,
    levels: int = 2,
    patches: int = 2048,
    directions: int = 64,
    patch: int = 7,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Sliced Wasserstein distance between the fake and the real batch's 7×7×3 patches of the
    finest band-pass levels (Heitz et al. 2021's texture loss, on a Laplacian pyramid as in
    ProGAN's patch SWD): each set normalised per channel, ``directions`` random projections,
    sorted, mean |difference|.

    Why: the grain is a *distribution* of small patches — where a forest is busy and a sky is
    smooth, how crisp an edge is — and neither the pixel losses (they want one answer per pixel)
    nor a small discriminator pin it down; this compares the distributions directly, so any
    texture with the right statistics is free.  Same positions in both batches (they are paired).
    """
    total = fake.new_zeros((), dtype=torch.float32)
    f, r = fake.float(), real.float()
    half = patch // 2
    off = torch.arange(-half, half + 1, device=fake.device)
    for _ in range(levels):
        bf, br = _binomial_blur(f), _binomial_blur(r)
        band_f, band_r = f - bf, r - br
        b, c, h, w = band_f.shape
        if h <= patch or w <= patch:
            break
        idx_b = torch.randint(0, b, (patches,), generator=generator).to(fake.device)
        ys = torch.randint(half, h - half, (patches,), generator=generator).to(fake.device)
        xs = torch.randint(half, w - half, (patches,), generator=generator).to(fake.device)
        yy = (ys[:, None] + off[None, :])[:, :, None].expand(-1, patch, patch)
        xx = (xs[:, None] + off[None, :])[:, None, :].expand(-1, patch, patch)
        bb = idx_b[:, None, None].expand(-1, patch, patch)
        dirs = torch.randn(c * patch * patch, directions, generator=generator).to(fake.device)
        dirs = dirs / dirs.norm(dim=0, keepdim=True)
        proj = []
        for band in (band_f, band_r):
            pt = band.permute(0, 2, 3, 1)[bb, yy, xx]  # N×7×7×C
            pt = (pt - pt.mean(dim=(0, 1, 2))) / pt.std(dim=(0, 1, 2)).clamp_min(1e-4)
            proj.append(torch.sort(pt.reshape(patches, -1) @ dirs, dim=0).values)
        total = total + (proj[0] - proj[1]).abs().mean()
        f, r = bf[:, :, ::2, ::2], br[:, :, ::2, ::2]
    return total / levels


def generator_losses(
    pred_fake: DOutput,
    pred_real: DOutput,
    fake: Tensor,
    real: Tensor,
    labels: Tensor,
    maps: Tensor,
    *,
    s: int,
    num_classes: int,
    lambda_gan: float = 1.0,
    lambda_feat: float = 10.0,
    lambda_colour: float = 10.0,
    lambda_region: float = 10.0,
    lambda_l1: float = 1.0,
    l1_pool: int = 1,
    lambda_spectrum: float = 0.0,
    lambda_texture: float = 0.0,
    lambda_swd: float = 0.0,
) -> dict[str, Tensor]:
    """All weighted G terms; a term whose weight is 0 is left out (not computed)."""
    out: dict[str, Tensor] = {}
    if lambda_gan:
        out["G_gan"] = lambda_gan * g_hinge(pred_fake)
    if lambda_feat:
        out["G_feat"] = lambda_feat * feature_matching(pred_fake, pred_real)
    if lambda_colour:
        out["G_colour"] = lambda_colour * hint_colour_loss(fake, maps, s)
    if lambda_region:
        out["G_region"] = lambda_region * region_colour_loss(fake, labels, maps, num_classes)
    if lambda_l1:
        # l1_pool > 1 compares k×k means: tone and layout follow the ground truth, while the
        # texture below k px is left to the adversarial terms (a pixel L1 pulls it to the mean:
        # the soft, flat look)
        a, b = fake, real
        if l1_pool > 1:
            a, b = F.avg_pool2d(fake, l1_pool), F.avg_pool2d(real, l1_pool)
        out["G_l1"] = lambda_l1 * F.l1_loss(a, b)
    if lambda_spectrum:
        out["G_spectrum"] = lambda_spectrum * spectrum_loss(fake, real)
    if lambda_texture:
        out["G_texture"] = lambda_texture * texture_energy_loss(fake, real, labels, num_classes)
    if lambda_swd:
        out["G_swd"] = lambda_swd * patch_swd_loss(fake, real)
    return out
