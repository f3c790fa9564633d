using System;
using CnnGen.Cpu;
using Xunit;

namespace CnnGen.Tests.Kernels.Dense
{
    [Collection(AllocationCollection.Name)]
    public class LinearKernelTests
    {
        [Theory]
        [InlineData(1, 1, 1, true, false, false)]
        [InlineData(1, 17, 3, true, true, false)]
        [InlineData(37, 5, 7, false, false, false)]
        [InlineData(37, 65, 10, true, true, true)]
        [InlineData(3, 257, 33, true, false, false)]
        [InlineData(64, 300, 130, true, true, false)]
        [InlineData(2, 9, 65, false, true, true)]
        public void Forward_and_backward_match_float64_reference(int n, int inF, int outF, bool hasBias, bool relu, bool dxEmpty)
        {
            var rng = new Random(n * 31 + inF * 7 + outF);
            string what = $"linear n{n} {inF}->{outF} bias={hasBias} relu={relu}";
            float[] x = DenseReference.Random(rng, n * inF), w = DenseReference.Random(rng, outF * inF);
            float[]? b = hasBias ? DenseReference.Random(rng, outF) : null;
            var y = new float[n * outF];
            Epilogue ep = relu ? Epilogue.ReLU : Epilogue.None;
            LinearKernel.Forward(new FloatBuffer(x), new FloatBuffer(w), b is null ? FloatBuffer.Empty : new FloatBuffer(b), new FloatBuffer(y), n, inF, outF, ep);

            var yRef = new double[n * outF];
            var yScale = new double[n * outF];
            for (int i = 0; i < n; i++)
            for (int o = 0; o < outF; o++)
            {
                double sum = b is null ? 0 : b[o], abs = Math.Abs(sum);
                for (int j = 0; j < inF; j++) { double t = (double)x[i * inF + j] * w[o * inF + j]; sum += t; abs += Math.Abs(t); }
                yRef[i * outF + o] = relu ? Math.Max(0, sum) : sum;
                yScale[i * outF + o] = abs;
            }
            DenseReference.AssertClose(yRef, yScale, y, what + " y");

            float[] dy = DenseReference.Random(rng, n * outF);
            float[] masked = (float[])dy.Clone();
            if (relu) for (int i = 0; i < masked.Length; i++) if (!(y[i] > 0)) masked[i] = 0;
            float[] dx = DenseReference.Random(rng, n * inF, 100), dw = DenseReference.Random(rng, outF * inF, 100), db = DenseReference.Random(rng, outF, 100);
            LinearKernel.Backward(new FloatBuffer(x), new FloatBuffer(w), new FloatBuffer(y), new FloatBuffer(dy),
                dxEmpty ? FloatBuffer.Empty : new FloatBuffer(dx), new FloatBuffer(dw), hasBias ? new FloatBuffer(db) : FloatBuffer.Empty, n, inF, outF, ep);
            if (relu) Assert.Equal(masked, dy);

            var dxRef = new double[n * inF]; var dxScale = new double[n * inF];
            var dwRef = new double[outF * inF]; var dwScale = new double[outF * inF];
            var dbRef = new double[outF]; var dbScale = new double[outF];
            for (int i = 0; i < n; i++)
            for (int o = 0; o < outF; o++)
            {
                double d = masked[i * outF + o];
                dbRef[o] += d; dbScale[o] += Math.Abs(d);
                for (int j = 0; j < inF; j++)
                {
                    dxRef[i * inF + j] += d * w[o * inF + j]; dxScale[i * inF + j] += Math.Abs(d * w[o * inF + j]);
                    dwRef[o * inF + j] += d * x[i * inF + j]; dwScale[o * inF + j] += Math.Abs(d * x[i * inF + j]);
                }
            }
            if (!dxEmpty) DenseReference.AssertClose(dxRef, dxScale, dx, what + " dx");
            DenseReference.AssertClose(dwRef, dwScale, dw, what + " dW");
            if (hasBias) DenseReference.AssertClose(dbRef, dbScale, db, what + " db");
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Gradients_match_finite_differences(bool relu)
        {
            const int n = 4, inF = 13, outF = 6;
            var rng = new Random(relu ? 21 : 20);
            float[] x = DenseReference.Random(rng, n * inF), w = DenseReference.Random(rng, outF * inF), b = DenseReference.Random(rng, outF);
            float[] r = DenseReference.Random(rng, n * outF);
            Epilogue ep = relu ? Epilogue.ReLU : Epilogue.None;
            double Loss()
            {
                var yy = new float[n * outF];
                LinearKernel.Forward(new FloatBuffer(x), new FloatBuffer(w), new FloatBuffer(b), new FloatBuffer(yy), n, inF, outF, ep);
                double sum = 0;
                for (int i = 0; i < yy.Length; i++) sum += (double)r[i] * yy[i];
                return sum;
            }
            var y = new float[n * outF];
            LinearKernel.Forward(new FloatBuffer(x), new FloatBuffer(w), new FloatBuffer(b), new FloatBuffer(y), n, inF, outF, ep);
            float[] dy = (float[])r.Clone(), dx = new float[x.Length], dw = new float[w.Length], db = new float[outF];
            LinearKernel.Backward(new FloatBuffer(x), new FloatBuffer(w), new FloatBuffer(y), new FloatBuffer(dy), new FloatBuffer(dx),
                new FloatBuffer(dw), new FloatBuffer(db), n, inF, outF, ep);
            FiniteDifference.Check(x, dx, Loss, rng, "dx", relu);
            FiniteDifference.Check(w, dw, Loss, rng, "dW", relu);
            FiniteDifference.Check(b, db, Loss, rng, "db", relu);
        }

        [Fact]
        public void Second_call_allocates_nothing()
        {
            const int n = 64, inF = 3136, outF = 128;
            var rng = new Random(9);
            var x = new FloatBuffer(DenseReference.Random(rng, n * inF));
            var w = new FloatBuffer(DenseReference.Random(rng, outF * inF));
            var b = new FloatBuffer(DenseReference.Random(rng, outF));
            var y = new FloatBuffer(new float[n * outF]);
            var dy = new FloatBuffer(DenseReference.Random(rng, n * outF));
            var dx = new FloatBuffer(new float[n * inF]);
            var dw = new FloatBuffer(new float[outF * inF]);
            var db = new FloatBuffer(new float[outF]);
            void Step()
            {
                LinearKernel.Forward(x, w, b, y, n, inF, outF, Epilogue.ReLU);
                LinearKernel.Backward(x, w, y, dy, dx, dw, db, n, inF, outF, Epilogue.ReLU);
            }
            Step();
            Assert.Equal(0, SteadyState.BytesAllocated(Step));
        }

        [Fact]
        public void Bad_input_names_what_is_wrong()
        {
            var e = Assert.Throws<ArgumentException>(() => LinearKernel.Forward(new FloatBuffer(new float[6]), new FloatBuffer(new float[5]),
                FloatBuffer.Empty, new FloatBuffer(new float[4]), 2, 3, 2, Epilogue.None));
            Assert.Equal("weight", e.ParamName);
            Assert.Contains("LinearKernel.Forward", e.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => LinearKernel.Forward(new FloatBuffer(new float[6]), new FloatBuffer(new float[6]),
                FloatBuffer.Empty, new FloatBuffer(new float[4]), 2, 0, 2, Epilogue.None));
        }
    }
}
