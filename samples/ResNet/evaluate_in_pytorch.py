"""Loads the weights samples/ResNet saved into the equivalent PyTorch network and measures its Fashion-MNIST test
accuracy with PyTorch: the round trip CnnGen -> safetensors -> torch, by state_dict names, with strict=True.

    dotnet run -c Release --project samples/ResNet        # trains and writes runs/ResNet/resnet14.safetensors
    /usr/bin/python3 samples/ResNet/evaluate_in_pytorch.py [weights] [fashion-mnist folder]

Needs PyTorch (Debian: apt-get install python3-torch) and numpy; reads safetensors with the standard library.
The Residual module is the ten lines of docs/graphs.md; each [Block] is an nn.Sequential of its layers and each
[Sequential<Stage>] an nn.Sequential of the stage's, so the names match ("3.0.body.0.weight", "4.0.shortcut.0.weight").
"""
import gzip, json, struct, sys
import numpy as np, torch, torch.nn as nn


class Residual(nn.Module):
    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body, self.shortcut = body, shortcut

    def forward(self, x):
        return (self.shortcut(x) if self.shortcut is not None else x) + self.body(x)


def basic(c):          # BasicBlock16/32/64
    return nn.Sequential(nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
                         nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))


def down(i, o):        # DownBlock32/64
    return nn.Sequential(nn.Conv2d(i, o, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(),
                         nn.Conv2d(o, o, 3, padding=1, bias=False), nn.BatchNorm2d(o))


def projection(i, o):  # Projection32/64
    return nn.Sequential(nn.Conv2d(i, o, 1, stride=2, bias=False), nn.BatchNorm2d(o))


def resnet14():
    """samples/Common/SeedNetworks.cs ResNet14, position for position."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Sequential(Residual(basic(16)), nn.ReLU(), Residual(basic(16)), nn.ReLU()),                     # ResNetStage16
        nn.Sequential(Residual(down(16, 32), projection(16, 32)), nn.ReLU(), Residual(basic(32)), nn.ReLU()),  # ResNetStage32
        nn.Sequential(Residual(down(32, 64), projection(32, 64)), nn.ReLU(), Residual(basic(64)), nn.ReLU()),  # ResNetStage64
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(64, 10))


def load_safetensors(path):
    # safetensors: 8-byte little-endian header length, a JSON header, then the raw tensors.
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    header, data = json.loads(b[8:8 + n]), b[8 + n:]
    out = {}
    for k, v in header.items():
        if k == '__metadata__':
            continue
        s, e = v['data_offsets']
        dt = {'F32': np.float32, 'I64': np.int64}[v['dtype']]
        out[k] = torch.from_numpy(np.frombuffer(data[s:e], dtype=dt).reshape(v['shape']).copy())
    return out


def read_idx(path, header_bytes):
    raw = open(path, 'rb').read()
    if raw[:2] == b'\x1f\x8b':  # the fetcher may keep the files gzip-compressed
        raw = gzip.decompress(raw)
    return np.frombuffer(raw[header_bytes:], dtype=np.uint8)


def main():
    weights = sys.argv[1] if len(sys.argv) > 1 else 'runs/ResNet/resnet14.safetensors'
    folder = sys.argv[2] if len(sys.argv) > 2 else 'data/fashion-mnist'
    torch.set_num_threads(2)
    m = resnet14()
    print(m.load_state_dict(load_safetensors(weights), strict=True))
    m.eval()  # BatchNorm with the running statistics CnnGen saved, as its Predict does
    img = read_idx(folder + '/t10k-images-idx3-ubyte', 16).reshape(-1, 1, 28, 28)
    lab = read_idx(folder + '/t10k-labels-idx1-ubyte', 8)
    # The sample's normalisation: ToTensor, then Normalize(0.2860, 0.3530).
    x = (torch.from_numpy(img.astype(np.float32) / 255.0) - 0.2860) / 0.3530
    with torch.no_grad():
        pred = torch.cat([m(x[i:i + 1000]).argmax(1) for i in range(0, len(x), 1000)]).numpy()
    print('PyTorch test accuracy with CnnGen weights: %.2f%% (%d images)' % (100.0 * (pred == lab).mean(), len(lab)))


if __name__ == '__main__':
    main()
