using System;
using System.Linq;
using CnnGen.Cpu;
using Xunit;
using static CnnGen.Tests.Kernels.Misc.MiscTestUtil;

namespace CnnGen.Tests.Kernels.Misc
{
    /// <summary>The residual join (AddKernel) and channel concatenation (ConcatKernel) against float64 references and finite differences.</summary>
    public class GraphKernelTests
    {
        // 70001 is above the parallel threshold (65536 elements) and not a multiple of the chunk or vector width.
        private static readonly int[] Lengths = { 1, 7, 16, 33, 1027, 70001 };

        private static FloatBuffer B(float[] a) => new(a);

        [Theory]
        [InlineData(Epilogue.None)]
        [InlineData(Epilogue.ReLU)]
        public void Add_forward_matches_the_float64_sum_and_leaves_the_rest_alone(Epilogue epilogue)
        {
            foreach (int length in Lengths)
            {
                float[] a = Uniform(length + 2, (ulong)length), b = Uniform(length + 2, 77 + (ulong)length);
                var y = new float[length + 2];
                y[length] = 42f;
                AddKernel.Forward(B(a), B(b), B(y), length, epilogue);
                var expected = new double[length];
                for (int i = 0; i < length; i++)
                {
                    double s = (double)a[i] + b[i];
                    expected[i] = epilogue == Epilogue.ReLU ? Math.Max(s, 0) : s;
                }
                AllClose(expected, y, 1e-7, 0, $"{epilogue} y (length {length})");
                Assert.Equal(42f, y[length]);

                // In place (y is a, as the plan does when a dies at the add) gives the same numbers.
                var inPlace = (float[])a.Clone();
                AddKernel.Forward(B(inPlace), B(b), B(inPlace), length, epilogue);
                Assert.Equal(y.AsSpan(0, length).ToArray(), inPlace.AsSpan(0, length).ToArray());
            }
        }

        [Fact]
        public void Add_with_ReLU_keeps_NaN_and_infinities_like_torch_relu()
        {
            float nan = float.NaN;
            float[] a = { nan, 1, float.PositiveInfinity, float.NegativeInfinity, float.PositiveInfinity, -2, 0 };
            float[] b = { 1, nan, 1, 5, float.NegativeInfinity, 1, -0f };
            foreach (int pad in new[] { 0, 16 }) // scalar tail and vector body
            {
                float[] pa = a.Concat(new float[pad]).ToArray(), pb = b.Concat(new float[pad]).ToArray();
                var y = new float[pa.Length];
                AddKernel.Forward(B(pa), B(pb), B(y), pa.Length, Epilogue.ReLU);
                Assert.True(float.IsNaN(y[0]) && float.IsNaN(y[1]), "ReLU(NaN) must be NaN");
                Assert.Equal(float.PositiveInfinity, y[2]);
                Assert.Equal(0f, y[3]);
                Assert.True(float.IsNaN(y[4]), "∞ + (−∞) is NaN and stays NaN");
                Assert.Equal(0f, y[5]);
                Assert.Equal(0f, y[6]);
            }
        }

        [Theory]
        [InlineData(Epilogue.None, GradWrite.Overwrite)]
        [InlineData(Epilogue.None, GradWrite.Accumulate)]
        [InlineData(Epilogue.ReLU, GradWrite.Overwrite)]
        [InlineData(Epilogue.ReLU, GradWrite.Accumulate)]
        public void Add_backward_masks_by_the_output_and_overwrites_or_accumulates(Epilogue epilogue, GradWrite write)
        {
            foreach (int length in Lengths)
            {
                // y has exact zeros (the ReLU's flat side) as well as both signs.
                float[] y = SmallIntegers(length, (ulong)length, 5).Select(v => v - 2).ToArray();
                if (epilogue == Epilogue.ReLU) for (int i = 0; i < length; i++) y[i] = Math.Max(y[i], 0);
                float[] dy = Uniform(length, 300 + (ulong)length);
                float[] before = Uniform(length + 1, 600 + (ulong)length);
                var dx = (float[])before.Clone();
                AddKernel.Backward(B(y), B(dy), B(dx), length, epilogue, write);
                var expected = new double[length];
                for (int i = 0; i < length; i++)
                {
                    double g = epilogue == Epilogue.ReLU && y[i] <= 0 ? 0 : dy[i];
                    expected[i] = write == GradWrite.Accumulate ? before[i] + g : g;
                }
                AllClose(expected, dx, 1e-7, 0, $"{epilogue} {write} dx (length {length})");
                Assert.Equal(before[length], dx[length]);
            }
        }

        [Fact]
        public void Add_backward_passes_the_gradient_through_a_NaN_output_and_may_write_in_place()
        {
            float[] y = { float.NaN, 0, -1, 3, float.NaN, float.PositiveInfinity, 0, 1, 2 };
            float[] dy = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
            var dx = new float[y.Length];
            AddKernel.Backward(B(y), B(dy), B(dx), y.Length, Epilogue.ReLU, GradWrite.Overwrite);
            Assert.Equal(new float[] { 1, 0, 0, 4, 5, 6, 0, 8, 9 }, dx);
            AddKernel.Backward(B(y), B(dy), B(dx), y.Length, Epilogue.ReLU, GradWrite.Accumulate);
            Assert.Equal(new float[] { 2, 0, 0, 8, 10, 12, 0, 16, 18 }, dx);

            // dx = dy exactly: the ReLU mask in place, and a plain overwrite is a no-op.
            var same = (float[])dy.Clone();
            AddKernel.Backward(B(y), B(same), B(same), y.Length, Epilogue.ReLU, GradWrite.Overwrite);
            Assert.Equal(new float[] { 1, 0, 0, 4, 5, 6, 0, 8, 9 }, same);
            var plain = (float[])dy.Clone();
            AddKernel.Backward(FloatBuffer.Empty, B(plain), B(plain), y.Length, Epilogue.None, GradWrite.Overwrite);
            Assert.Equal(dy, plain);
        }

        [Fact]
        public void Accumulate_adds_the_source_into_the_destination()
        {
            foreach (int length in Lengths)
            {
                float[] src = Uniform(length, 900 + (ulong)length), dst = Uniform(length + 1, 950 + (ulong)length);
                var before = (float[])dst.Clone();
                AddKernel.Accumulate(B(src), B(dst), length);
                var expected = new double[length];
                for (int i = 0; i < length; i++) expected[i] = (double)before[i] + src[i];
                AllClose(expected, dst, 1e-7, 0, $"dst (length {length})");
                Assert.Equal(before[length], dst[length]);
            }
        }

        /// <summary>
        /// One value feeding two consumers: a enters y1 = relu(a + b) and y2 = a + c. The backward writes a's gradient
        /// from y1 (overwrite, as the first writer) and adds y2's (accumulate); finite differences of
        /// L = Σ w1·y1 + Σ w2·y2 check the sum, and b's and c's gradients.
        /// </summary>
        [Fact]
        public void Gradients_of_a_value_read_twice_match_finite_differences()
        {
            const int length = 41;
            float[] a = Uniform(length, 11, -2f, 2f), b = Uniform(length, 12, -2f, 2f), c = Uniform(length, 13);
            for (int i = 0; i < length; i++)
                if (Math.Abs(a[i] + b[i]) < 0.05f) b[i] += 0.3f; // away from the ReLU's kink
            float[] w1 = Uniform(length, 14), w2 = Uniform(length, 15);
            var y1 = new float[length];
            var y2 = new float[length];
            double Loss()
            {
                AddKernel.Forward(B(a), B(b), B(y1), length, Epilogue.ReLU);
                AddKernel.Forward(B(a), B(c), B(y2), length);
                return Dot(w1, y1) + Dot(w2, y2);
            }

            Loss();
            var da = new float[length];
            var db = new float[length];
            var dc = new float[length];
            Array.Fill(da, 123f); // overwrite must not read what was there
            AddKernel.Backward(B(y1), B(w1), B(da), length, Epilogue.ReLU, GradWrite.Overwrite);
            AddKernel.Backward(B(y1), B(w1), B(db), length, Epilogue.ReLU, GradWrite.Overwrite);
            AddKernel.Backward(B(y2), B(w2), B(da), length, Epilogue.None, GradWrite.Accumulate);
            AddKernel.Backward(B(y2), B(w2), B(dc), length, Epilogue.None, GradWrite.Overwrite);

            AllClose(CentralDifferences(a, Loss, 1e-2), da, 1e-3, 1e-4, "dL/da");
            AllClose(CentralDifferences(b, Loss, 1e-2), db, 1e-3, 1e-4, "dL/db");
            AllClose(CentralDifferences(c, Loss, 1e-2), dc, 1e-3, 1e-4, "dL/dc");
        }

        [Fact]
        public void Add_refuses_short_buffers_and_unknown_modes_naming_them()
        {
            var four = B(new float[4]);
            var three = B(new float[3]);
            Assert.Contains("buffer b holds 3 floats, length is 4", Assert.Throws<ArgumentException>(() => AddKernel.Forward(four, three, four, 4)).Message);
            Assert.Contains("buffer y holds 3", Assert.Throws<ArgumentException>(() => AddKernel.Forward(four, four, three, 4)).Message);
            Assert.Contains("buffer dx holds 3", Assert.Throws<ArgumentException>(() => AddKernel.Backward(four, four, three, 4, Epilogue.None, GradWrite.Overwrite)).Message);
            Assert.Contains("buffer y holds 3", Assert.Throws<ArgumentException>(() => AddKernel.Backward(three, four, four, 4, Epilogue.ReLU, GradWrite.Overwrite)).Message);
            Assert.Contains("buffer src holds 3", Assert.Throws<ArgumentException>(() => AddKernel.Accumulate(three, four, 4)).Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => AddKernel.Forward(four, four, four, -1));
            Assert.Throws<ArgumentOutOfRangeException>(() => AddKernel.Forward(four, four, four, 4, (Epilogue)7));
            Assert.Throws<ArgumentOutOfRangeException>(() => AddKernel.Backward(four, four, four, 4, Epilogue.None, (GradWrite)7));
            Assert.Contains("dx is dy", Assert.Throws<ArgumentException>(() => AddKernel.Backward(four, four, four, 4, Epilogue.ReLU, GradWrite.Accumulate)).Message);
        }

        /// <summary>Three branches of 2, 3 and 1 channels (4×5 each) into one 6-channel output, sample by sample.</summary>
        [Theory]
        [InlineData(1)]
        [InlineData(5)]
        [InlineData(700)] // 700 × 120 floats: above the parallel threshold
        public void Concat_places_each_branch_at_its_channel_offset_and_backward_takes_the_slice_back(int batch)
        {
            const int plane = 4 * 5;
            int[] channels = { 2, 3, 1 };
            int outSize = channels.Sum() * plane;
            var branches = channels.Select((c, k) => Uniform(batch * c * plane, 40 + (ulong)k)).ToArray();
            var y = new float[batch * outSize + 1];
            y[^1] = 42f;
            int offset = 0;
            for (int k = 0; k < channels.Length; k++)
            {
                ConcatKernel.Forward(B(branches[k]), B(y), batch, channels[k] * plane, offset, outSize);
                offset += channels[k] * plane;
            }
            Assert.Equal(42f, y[^1]);
            // Reference: y[n, c, p] = branch(c)[n, c − first channel of that branch, p].
            for (int n = 0; n < batch; n++)
            {
                int c = 0;
                for (int k = 0; k < channels.Length; k++)
                    for (int ck = 0; ck < channels[k]; ck++, c++)
                        for (int p = 0; p < plane; p++)
                            Assert.Equal(branches[k][(n * channels[k] + ck) * plane + p], y[n * outSize + c * plane + p]);
            }

            float[] dy = Uniform(batch * outSize, 99);
            offset = 0;
            for (int k = 0; k < channels.Length; k++)
            {
                int slice = channels[k] * plane;
                float[] before = Uniform(batch * slice, 70 + (ulong)k);
                var over = (float[])before.Clone();
                var acc = (float[])before.Clone();
                ConcatKernel.Backward(B(dy), B(over), batch, slice, offset, outSize, GradWrite.Overwrite);
                ConcatKernel.Backward(B(dy), B(acc), batch, slice, offset, outSize, GradWrite.Accumulate);
                for (int n = 0; n < batch; n++)
                    for (int i = 0; i < slice; i++)
                    {
                        float g = dy[n * outSize + offset + i];
                        Assert.Equal(g, over[n * slice + i]);
                        Assert.Equal((float)((double)before[n * slice + i] + g), acc[n * slice + i]);
                    }
                offset += slice;
            }
        }

        /// <summary>
        /// x feeds two concat branches, itself and relu(x + b): L = Σ w·cat(x, relu(x + b)). x's gradient is the first
        /// slice (overwrite) plus the masked second (accumulate), checked against finite differences.
        /// </summary>
        [Fact]
        public void Concat_gradient_of_an_input_read_by_two_branches_matches_finite_differences()
        {
            const int batch = 3, slice = 2 * 3 * 3, outSize = 2 * slice;
            float[] x = Uniform(batch * slice, 21, -2f, 2f), b = Uniform(batch * slice, 22, -2f, 2f);
            for (int i = 0; i < x.Length; i++)
                if (Math.Abs(x[i] + b[i]) < 0.05f) b[i] += 0.3f;
            float[] w = Uniform(batch * outSize, 23);
            var r = new float[batch * slice];
            var y = new float[batch * outSize];
            double Loss()
            {
                AddKernel.Forward(B(x), B(b), B(r), r.Length, Epilogue.ReLU);
                ConcatKernel.Forward(B(x), B(y), batch, slice, 0, outSize);
                ConcatKernel.Forward(B(r), B(y), batch, slice, slice, outSize);
                return Dot(w, y);
            }

            Loss();
            var dx = new float[x.Length];
            var dr = new float[r.Length];
            ConcatKernel.Backward(B(w), B(dx), batch, slice, 0, outSize, GradWrite.Overwrite);
            ConcatKernel.Backward(B(w), B(dr), batch, slice, slice, outSize, GradWrite.Overwrite);
            AddKernel.Backward(B(r), B(dr), B(dx), r.Length, Epilogue.ReLU, GradWrite.Accumulate);
            AllClose(CentralDifferences(x, Loss, 1e-2), dx, 1e-3, 1e-4, "dL/dx");
        }

        [Fact]
        public void Concat_refuses_a_slice_outside_the_output_and_short_buffers_naming_them()
        {
            var x = B(new float[2 * 6]);
            var y = B(new float[2 * 10]);
            Assert.Contains("at offset 5 does not fit in 10", Assert.Throws<ArgumentOutOfRangeException>(() => ConcatKernel.Forward(x, y, 2, 6, 5, 10)).Message);
            Assert.Contains("buffer x holds 12 floats, 3 samples × 6 need 18", Assert.Throws<ArgumentException>(() => ConcatKernel.Forward(x, B(new float[30]), 3, 6, 0, 10)).Message);
            Assert.Contains("buffer y holds 20 floats, 2 samples × 11 need 22", Assert.Throws<ArgumentException>(() => ConcatKernel.Forward(x, y, 2, 6, 0, 11)).Message);
            Assert.Contains("buffer dy holds 20", Assert.Throws<ArgumentException>(() => ConcatKernel.Backward(y, x, 2, 6, 0, 11, GradWrite.Accumulate)).Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => ConcatKernel.Forward(x, y, -1, 6, 0, 10));
            Assert.Throws<ArgumentOutOfRangeException>(() => ConcatKernel.Backward(y, x, 2, 6, 0, 10, (GradWrite)3));
        }
    }
}
