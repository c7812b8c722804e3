#!/usr/bin/env python3
"""Draw the brand images of the integration.

Writes ``custom_components/integration_reliability/brand/`` ``icon.png``
(256x256), ``icon@2x.png`` (512x512), ``logo.png`` (shortest side 128) and
``logo@2x.png`` (shortest side 256): a shield with a heartbeat line on a
transparent background, trimmed as the brands repository asks for.

Run it with the project's venv (Pillow ships with Home Assistant):
``.venv/bin/python scripts/make_brand.py``.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND_DIR = Path(__file__).resolve().parent.parent / (
    "custom_components/integration_reliability/brand"
)

# Home Assistant blue and a calm green for the "healthy" pulse.
SHIELD_TOP = (3, 169, 244)
SHIELD_BOTTOM = (2, 119, 189)
PULSE = (255, 255, 255)
TEXT = (33, 33, 33)
SUPERSAMPLE = 4


def _shield_points(size: int) -> list[tuple[float, float]]:
    """Outline of a shield filling a ``size`` x ``size`` square."""
    s = float(size)
    points: list[tuple[float, float]] = [
        (0.50 * s, 0.02 * s),
        (0.93 * s, 0.16 * s),
        (0.93 * s, 0.46 * s),
    ]
    # Lower right curve down to the tip, then mirrored on the left side.
    steps = 24
    for i in range(1, steps + 1):
        t = i / steps
        x = 0.93 - 0.43 * t**1.6
        y = 0.46 + 0.52 * (1 - (1 - t) ** 2)
        points.append((x * s, y * s))
    left = [(s - x, y) for (x, y) in reversed(points[2:-1])]
    return [*points, *left, (0.07 * s, 0.16 * s)]


def draw_icon(size: int) -> Image.Image:
    """Return the square icon at ``size`` pixels, transparent outside the shield."""
    big = size * SUPERSAMPLE
    # Vertical gradient clipped by the shield mask.
    gradient = Image.new("RGBA", (big, big))
    gdraw = ImageDraw.Draw(gradient)
    for y in range(big):
        t = y / (big - 1)
        colour = tuple(
            round(a + (b - a) * t) for a, b in zip(SHIELD_TOP, SHIELD_BOTTOM, strict=True)
        )
        gdraw.line([(0, y), (big, y)], fill=(*colour, 255))
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).polygon(_shield_points(big), fill=255)
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    image.paste(gradient, (0, 0), mask)

    # Heartbeat line across the shield.
    b = float(big)
    pulse = [
        (0.14 * b, 0.50 * b),
        (0.34 * b, 0.50 * b),
        (0.42 * b, 0.30 * b),
        (0.52 * b, 0.72 * b),
        (0.60 * b, 0.42 * b),
        (0.66 * b, 0.50 * b),
        (0.86 * b, 0.50 * b),
    ]
    width = round(0.075 * b)
    draw = ImageDraw.Draw(image)
    draw.line(pulse, fill=(*PULSE, 255), width=width, joint="curve")
    radius = width / 2
    for x, y in (pulse[0], pulse[-1]):
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(*PULSE, 255))
    return _trim_to_square(image.resize((size, size), Image.Resampling.LANCZOS), size)


def _trim_to_square(image: Image.Image, size: int) -> Image.Image:
    """Trim transparent borders, then centre the content on a square canvas."""
    bbox = image.getbbox()
    if bbox is None:
        return image
    content = image.crop(bbox)
    scale = size / max(content.size)
    content = content.resize(
        (max(1, round(content.width * scale)), max(1, round(content.height * scale))),
        Image.Resampling.LANCZOS,
    )
    canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    canvas.paste(content, ((size - content.width) // 2, (size - content.height) // 2))
    return canvas


def _font(height: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Return a bold sans font of roughly ``height`` pixels, or Pillow's default."""
    for name in ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial Bold.ttf"):
        try:
            return ImageFont.truetype(name, height)
        except OSError:
            continue
    return ImageFont.load_default(height)


def draw_logo(height: int) -> Image.Image:
    """Return the landscape logo (icon plus name), trimmed, ``height`` pixels tall."""
    big = height * SUPERSAMPLE
    icon = draw_icon(big)
    font = _font(round(big * 0.30))
    lines = ("Integration", "Reliability")
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    widths = [probe.textbbox((0, 0), line, font=font)[2] for line in lines]
    gap = round(big * 0.12)
    canvas = Image.new("RGBA", (big + gap + max(widths) + gap, big), (0, 0, 0, 0))
    canvas.paste(icon, (0, 0), icon)
    draw = ImageDraw.Draw(canvas)
    line_height = round(big * 0.36)
    top = (big - 2 * line_height) // 2
    for i, line in enumerate(lines):
        draw.text((big + gap, top + i * line_height), line, font=font, fill=(*TEXT, 255))
    bbox = canvas.getbbox()
    if bbox is not None:
        canvas = canvas.crop(bbox)
    scale = height / canvas.height
    return canvas.resize(
        (round(canvas.width * scale), height),
        Image.Resampling.LANCZOS,
    )


def main() -> None:
    """Write all brand images."""
    BRAND_DIR.mkdir(parents=True, exist_ok=True)
    outputs = {
        "icon.png": draw_icon(256),
        "icon@2x.png": draw_icon(512),
        "logo.png": draw_logo(128),
        "logo@2x.png": draw_logo(256),
    }
    for name, image in outputs.items():
        path = BRAND_DIR / name
        image.save(path, optimize=True)
        print(f"wrote {path.relative_to(BRAND_DIR.parent.parent.parent)} {image.size}")


if __name__ == "__main__":
    main()
