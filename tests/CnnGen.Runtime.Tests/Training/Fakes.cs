using System;
using System.Collections.Generic;
using System.IO;
using CnnGen.Data;
using CnnGen.Optim;

namespace CnnGen.Tests.Training
{
    /// <summary>
    /// A hand-written softmax regression (one linear layer) implementing INetwork, so the trainer can be tested
    /// before any generated network exists. Gradients follow the textbook formulas in double precision.
    /// </summary>
    internal sealed class FakeLogisticNetwork : INetwork
    {
        private readonly float[] _w, _b, _gw, _gb;
        private readonly int _in, _out;

        public FakeLogisticNetwork(int channels, int height, int width, int classes, ulong seed = 1)
        {
            InputChannels = channels;
            InputHeight = height;
            InputWidth = width;
            _in = channels * height * width;
            _out = classes;
            _w = new float[_in * _out];
            _b = new float[_out];
            _gw = new float[_w.Length];
            _gb = new float[_b.Length];
            var rng = new Randomness.Rng(seed);
            for (int i = 0; i < _w.Length; i++) _w[i] = (float)((rng.NextDouble() - 0.5) * 0.02);
            Parameters = new[]
            {
                new Parameter("0.weight", new[] { _out, _in }, new FloatBuffer(_w), new FloatBuffer(_gw)),
                new Parameter("0.bias", new[] { _out }, new FloatBuffer(_b), new FloatBuffer(_gb)),
            };
        }

        public string Name => "FakeLogistic";
        public int InputChannels { get; }
        public int InputHeight { get; }
        public int InputWidth { get; }
        public int InputSize => _in;
        public int OutputSize => _out;
        public IReadOnlyList<Parameter> Parameters { get; }
        public IReadOnlyList<ModelBuffer> Buffers => Array.Empty<ModelBuffer>();
        public bool IsTraining { get; private set; } = true;
        public int PredictCallsInEval { get; private set; }
        public int PredictCallsInTrain { get; private set; }

        /// <summary>Makes every ForwardBackward from this call on return NaN (to test divergence handling).</summary>
        public int NaNAfterCalls { get; set; } = int.MaxValue;

        /// <summary>Makes Predict return NaN logits (a last step that diverged shows only in the evaluation).</summary>
        public bool NaNPredictions { get; set; }

        public ulong DropoutStep { get; set; }

        private int _calls;

        public void Train() => IsTraining = true;
        public void Eval() => IsTraining = false;
        public NetworkSummary GetSummary() => throw new NotSupportedException();

        public void Predict(ReadOnlySpan<float> input, int batch, Span<float> logits)
        {
            if (IsTraining) PredictCallsInTrain++; else PredictCallsInEval++;
            if (NaNPredictions)
            {
                logits.Slice(0, batch * _out).Fill(float.NaN);
                return;
            }
            Forward(input, batch, logits);
        }

        private void Forward(ReadOnlySpan<float> input, int batch, Span<float> logits)
        {
            for (int n = 0; n < batch; n++)
            {
                for (int o = 0; o < _out; o++)
                {
                    double s = _b[o];
                    for (int i = 0; i < _in; i++) s += (double)_w[o * _in + i] * input[n * _in + i];
                    logits[n * _out + o] = (float)s;
                }
            }
        }

        public float ForwardBackward(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch)
            => ForwardBackward(input, labels, batch, new float[batch * _out]);

        public float ForwardBackward(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, Span<float> logits)
        {
            Forward(input, batch, logits);
            Array.Clear(_gw);
            Array.Clear(_gb);
            double loss = 0;
            var p = new double[_out];
            for (int n = 0; n < batch; n++)
            {
                double max = double.NegativeInfinity;
                for (int o = 0; o < _out; o++) max = Math.Max(max, logits[n * _out + o]);
                double z = 0;
                for (int o = 0; o < _out; o++) z += p[o] = Math.Exp(logits[n * _out + o] - max);
                loss += Math.Log(z) + max - logits[n * _out + labels[n]];
                for (int o = 0; o < _out; o++)
                {
                    double d = (p[o] / z - (o == labels[n] ? 1 : 0)) / batch;
                    _gb[o] += (float)d;
                    for (int i = 0; i < _in; i++) _gw[o * _in + i] += (float)(d * input[n * _in + i]);
                }
            }
            int call = _calls++;
            if (NaNGradientAtCall == call) _gw[1] = float.NaN;
            if (ScriptedLosses is { } script && call < script.Length) return script[call];
            return call >= NaNAfterCalls ? float.NaN : (float)(loss / batch);
        }

        /// <summary>The loss ForwardBackward reports at each call (the gradients stay the real ones): scripts a loss curve.</summary>
        public float[]? ScriptedLosses { get; set; }

        /// <summary>At this call (from 0), one gradient value becomes NaN while the loss stays finite.</summary>
        public int NaNGradientAtCall { get; set; } = -1;

        public void Save(string path)
        {
            using var w = new BinaryWriter(File.Create(path));
            foreach (float v in _w) w.Write(v);
            foreach (float v in _b) w.Write(v);
        }

        public void Load(string path)
        {
            using var r = new BinaryReader(File.OpenRead(path));
            for (int i = 0; i < _w.Length; i++) _w[i] = r.ReadSingle();
            for (int i = 0; i < _b.Length; i++) _b[i] = r.ReadSingle();
        }
    }

    /// <summary>Plain gradient descent, the least an Optimizer can be.</summary>
    internal sealed class TestSgd : Optimizer
    {
        public TestSgd(IEnumerable<Parameter> parameters, float lr) : base(parameters, lr) { }

        public override void Step()
        {
            foreach (var p in Parameters)
            {
                var d = p.Data;
                var g = p.Grad;
                for (int i = 0; i < d.Length; i++) d[i] -= LearningRate * g[i];
            }
            StepCount++;
        }

        public override void SaveState(string path)
        {
            using var w = new BinaryWriter(File.Create(path));
            w.Write(StepCount);
            w.Write(LearningRate);
        }

        public override void LoadState(string path)
        {
            using var r = new BinaryReader(File.OpenRead(path));
            StepCount = r.ReadInt64();
            LearningRate = r.ReadSingle();
        }
    }

    internal static class TestData
    {
        /// <summary>
        /// A linearly separable 3-class problem on 2×2 "images": class c has its bright pixel at position c
        /// (plus deterministic noise), so a softmax regression can learn it.
        /// </summary>
        public static InMemoryDataset Separable(int count, ulong seed = 7)
        {
            var rng = new Randomness.Rng(seed);
            var images = new float[count * 4];
            var labels = new int[count];
            for (int n = 0; n < count; n++)
            {
                int c = n % 3;
                labels[n] = c;
                for (int i = 0; i < 4; i++) images[n * 4 + i] = (float)(rng.NextDouble() * 0.3);
                images[n * 4 + c] += 1f;
            }
            return new InMemoryDataset(images, labels, 1, 2, 2, 3, "separable");
        }

        /// <summary>Sample i has all values equal to i, label i mod classes: lets a test tell samples apart.</summary>
        public static InMemoryDataset Indexed(int count, int sampleSize = 3, int classes = 4)
        {
            var images = new float[count * sampleSize];
            var labels = new int[count];
            for (int n = 0; n < count; n++)
            {
                for (int i = 0; i < sampleSize; i++) images[n * sampleSize + i] = n;
                labels[n] = n % classes;
            }
            return new InMemoryDataset(images, labels, 1, 1, sampleSize, classes, "indexed");
        }

        public static string TempDir()
        {
            string d = Path.Combine(Path.GetTempPath(), "cnngen-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(d);
            return d;
        }
    }
}
