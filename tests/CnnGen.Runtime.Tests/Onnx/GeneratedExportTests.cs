using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen.Randomness;
using CnnGen.Tests.Networks;
using Xunit;

namespace CnnGen.Tests.Onnx
{
    /// <summary>
    /// The generated ExportOnnx of every test and sample network, sequential and graph alike, run in ONNX Runtime and
    /// compared with the network's own Predict (≤ 1e-5 relative). BatchNorm running statistics are set to non-trivial
    /// values first, so the export must carry their eval form.
    /// </summary>
    public class GeneratedExportTests
    {
        public static IEnumerable<object[]> Networks => new (string Name, Func<INetwork> Make)[]
        {
            ("SimpleCnn", () => new CnnGen.Samples.SimpleCnn(seed: 1)),
            ("MaxPoolNet", () => new CnnGen.Samples.MaxPoolNet(seed: 2)),
            ("NoMaxPoolNet", () => new CnnGen.Samples.NoMaxPoolNet(seed: 3)),
            ("ResNet14", () => new CnnGen.Samples.ResNet14(seed: 4)),
            ("ParityStrided", () => new ParityStrided(seed: 5)),
            ("ParityPools", () => new ParityPools(seed: 6)),
            ("LeakyNet", () => new LeakyNet(seed: 7)),
            ("DropoutNet", () => new DropoutNet(seed: 8)),
            ("ParityResidualIdentity", () => new ParityResidualIdentity(seed: 9)),
            ("TinyResidualNet", () => new TinyResidualNet(seed: 10)),
            ("ParityNested", () => new ParityNested(seed: 11)),
            ("ParityConcat", () => new ParityConcat(seed: 12)),
            ("ParitySequential", () => new ParitySequential(seed: 13)),
        }.Select(n => new object[] { n.Name, n.Make });

        [Theory]
        [MemberData(nameof(Networks))]
        public void Exported_model_matches_Predict_in_OnnxRuntime(string name, Func<INetwork> make)
        {
            var net = make();
            var rng = new Rng(99);
            foreach (var buffer in net.Buffers)
            {
                if (buffer.IsInteger) continue;
                var data = buffer.Data;
                for (int i = 0; i < data.Length; i++)
                {
                    float u = (float)rng.NextDouble();
                    data[i] = buffer.Name.EndsWith("running_var", StringComparison.Ordinal) ? 0.5f + u : (u - 0.5f) * 0.2f;
                }
            }
            net.Eval();
            const int batch = 3;
            var input = new float[batch * net.InputSize];
            for (int i = 0; i < input.Length; i++) input[i] = (float)rng.NextDouble();
            var ours = new float[batch * net.OutputSize];
            net.Predict(input, batch, ours);

            string path = Path.Combine(Path.GetTempPath(), $"cnngen-{name}-{Guid.NewGuid():N}.onnx");
            try
            {
                net.ExportOnnx(path);
                var theirs = OnnxExportTests.RunOrt(File.ReadAllBytes(path), input, new[] { batch, net.InputChannels, net.InputHeight, net.InputWidth });
                OnnxExportTests.AssertClose(ours, theirs);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }
}
