"""Loads the weights samples/SimpleCnn saved into the equivalent PyTorch nn.Sequential and measures its MNIST test
accuracy with PyTorch: the round trip CnnGen -> safetensors -> torch, by state_dict names, with strict=True.

    dotnet run -c Release --project samples/SimpleCnn      # trains and writes runs/SimpleCnn/simple_cnn.safetensors
    /usr/bin/python3 samples/SimpleCnn/evaluate_in_pytorch.py

Needs PyTorch (Debian: apt-get install python3-torch) and numpy; reads safetensors with the standard library.
"""
import json, struct, numpy as np, torch, torch.nn as nn, gzip
def load_st(path):
    # safetensors: 8-byte little-endian header length, a JSON header, then the raw tensors.
    b = open(path, 'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8+n]); data = b[8+n:]
    out = {}
    for k, v in h.items():
        if k == '__metadata__': continue
        s, e = v['data_offsets']; dt = {'F32': np.float32, 'I64': np.int64}[v['dtype']]
        out[k] = torch.from_numpy(np.frombuffer(data[s:e], dtype=dt).reshape(v['shape']).copy())
    return out
# The MNIST SimpleCNN, layer for layer as samples/Common/SeedNetworks.cs declares it.
m = nn.Sequential(nn.Conv2d(1,32,3,padding=1), nn.ReLU(), nn.MaxPool2d(2,2), nn.Conv2d(32,64,3,padding=1), nn.ReLU(), nn.MaxPool2d(2,2),
                  nn.Flatten(), nn.Linear(3136,128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128,10))
print(m.load_state_dict(load_st('runs/SimpleCnn/simple_cnn.safetensors'), strict=True))
m.eval()
img = np.frombuffer(open('data/mnist/t10k-images-idx3-ubyte','rb').read()[16:], dtype=np.uint8).reshape(-1,1,28,28)
lab = np.frombuffer(open('data/mnist/t10k-labels-idx1-ubyte','rb').read()[8:], dtype=np.uint8)
x = (torch.from_numpy(img.astype(np.float32)/255.0) - 0.5) / 0.5
with torch.no_grad(): pred = m(x).argmax(1).numpy()
print('PyTorch test accuracy with CnnGen weights: %.2f%%' % (100.0 * (pred == lab).mean()))
