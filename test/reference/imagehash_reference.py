#!/usr/bin/python3
"""Independent reference values for aHash, dHash and pHash (imagehash 4.3.2 definitions).

imagehash itself is not packaged in Debian and PyPI is unreachable here, so this script restates the
three definitions of imagehash/__init__.py (v4.3.2: average_hash, dhash, phash with their defaults and
_binary_array_to_hex) on top of Pillow, NumPy and SciPy from Debian (python3-pil 9.4.0,
python3-numpy 1.24.2, python3-scipy 1.10.1). Decoding is Pillow's, independent of sharp; EXIF
orientation is applied first (ImageOps.exif_transpose) because the pipeline hashes the displayed image.

Run from the project root (writes test/reference/imagehash-expected.json):
    /usr/bin/python3 test/reference/imagehash_reference.py
"""

import json
import sys
from pathlib import Path

import numpy
import PIL
import scipy
import scipy.fftpack
from PIL import Image, ImageOps

LANCZOS = Image.Resampling.LANCZOS if hasattr(Image, "Resampling") else Image.ANTIALIAS
ROOT = Path(__file__).resolve().parents[1] / "fixtures"
# Pillow ignores embedded ICC profiles, and so does the pipeline's hashing decode by default
# (Landscape_3/6 carry a non-sRGB profile). Not here: 16-bit PNGs (Pillow's I;16 -> L clamps where
# libvips rescales), CMYK JPEGs (Pillow's naive CMYK -> RGB is not libvips'), AVIF/SVG (Pillow 9.4
# cannot open them). flowers.jpeg is symmetric, with-alpha.png and big-height.webp are flat: some pHash
# coefficients tie with the median up to rounding, listed per image in "phash_ties" (not part of
# imagehash; bits that depend on how the DCT rounds).
IMAGES = [
    "images/Landscape_1.jpg",
    "images/Landscape_3.jpg",
    "images/Landscape_6.jpg",
    "images/320x240.jpg",
    "images/2569067123_aca715a2ee_o.jpg",
    "images/4.webp",
    "images/G31D.TIF",
    "images/animated-loop-3.gif",
    "images/big-height.webp",
    "images/flowers.jpeg",
    "images/with-alpha.png",
    "pdq/bridge-1-original.jpg",
    "pdq/bridge-2-rotate-90.jpg",
    "pdq/bridge-3-rotate-180.jpg",
    "pdq/bridge-4-rotate-270.jpg",
    "pdq/pen-and-coaster.png",
]


def binary_array_to_hex(arr):
    # imagehash._binary_array_to_hex: row-major bits, first bit most significant.
    bit_string = "".join(str(b) for b in 1 * arr.flatten())
    width = int(numpy.ceil(len(bit_string) / 4))
    return "{:0>{width}x}".format(int(bit_string, 2), width=width)


def average_hash(image, hash_size=8):
    image = image.convert("L").resize((hash_size, hash_size), LANCZOS)
    pixels = numpy.asarray(image)
    return binary_array_to_hex(pixels > numpy.mean(pixels))


def dhash(image, hash_size=8):
    image = image.convert("L").resize((hash_size + 1, hash_size), LANCZOS)
    pixels = numpy.asarray(image)
    return binary_array_to_hex(pixels[:, 1:] > pixels[:, :-1])


def phash(image, hash_size=8, highfreq_factor=4):
    img_size = hash_size * highfreq_factor
    image = image.convert("L").resize((img_size, img_size), LANCZOS)
    pixels = numpy.asarray(image)
    dct = scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)
    dctlowfreq = dct[:hash_size, :hash_size]
    med = numpy.median(dctlowfreq)
    # Not part of imagehash: bits whose coefficient equals the median up to rounding noise.
    scale = max(1.0, float(numpy.abs(dctlowfreq).max()))
    ties = [int(i) for i in numpy.flatnonzero(numpy.abs(dctlowfreq - med).flatten() < 1e-9 * scale)]
    return binary_array_to_hex(dctlowfreq > med), ties


def main():
    results = {}
    for name in IMAGES:
        with Image.open(ROOT / name) as opened:
            image = ImageOps.exif_transpose(opened)
            image.load()
        results[name] = {
            "size": list(image.size),
            "mode": image.mode,
            "ahash": average_hash(image),
            "dhash": dhash(image),
        }
        results[name]["phash"], results[name]["phash_ties"] = phash(image)
    out = {
        "generator": "test/reference/imagehash_reference.py",
        "definitions": "imagehash 4.3.2 average_hash, dhash, phash (defaults)",
        "python": sys.version.split()[0],
        "pillow": PIL.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "images": results,
    }
    target = Path(__file__).resolve().parent / "imagehash-expected.json"
    target.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
