"""Writes a small MNIST-shaped data set in IDX format that a CNN can learn in one short epoch.

Used by consumer-test.sh so the README's program runs without fetching MNIST. Class k is a bright 6x6 square at a
position of its own (two rows of five) plus uniform noise, so test accuracy well above chance (10%) shows the
packaged generator and runtime really trained the network.
Usage: make_idx.py OUT_DIR
"""
import os
import random
import struct
import sys


def images_and_labels(count, rng):
    pixels, labels = bytearray(), bytearray()
    for _ in range(count):
        k = rng.randrange(10)
        top, left = 4 + 12 * (k // 5), 1 + 5 * (k % 5)
        image = [rng.randrange(60) for _ in range(28 * 28)]
        for r in range(top, top + 6):
            for c in range(left, left + 6):
                image[r * 28 + c] = 200 + rng.randrange(56)
        pixels.extend(image)
        labels.append(k)
    return pixels, labels


def write(folder, prefix, count, rng):
    pixels, labels = images_and_labels(count, rng)
    with open(os.path.join(folder, f"{prefix}-images-idx3-ubyte"), "wb") as f:
        f.write(struct.pack(">IIII", 0x00000803, count, 28, 28))
        f.write(pixels)
    with open(os.path.join(folder, f"{prefix}-labels-idx1-ubyte"), "wb") as f:
        f.write(struct.pack(">II", 0x00000801, count))
        f.write(labels)


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(7)
    write(out, "train", 4096, rng)
    write(out, "t10k", 512, rng)
