using System;
using System.Linq;
using CnnGen.Optim;
using Xunit;
using CnnGen.Samples;

namespace CnnGen.Tests.Networks
{
    /// <summary>The generated training step as a user meets it: allocation, batch sizes, bad arguments, modes, learning.</summary>
    [Collection(AllocationCollection.Name)]
    public class TrainingStepTests
    {
        [Fact]
        public void A_warm_training_step_with_Adam_allocates_nothing()
        {
            var model = new SimpleCnn(21, maxBatch: 16);
            var adam = new Adam(model.Parameters, lr: 1e-3f);
            var (input, labels) = GradientCheckTests.RandomBatch(model, 16, 700);
            var logits = new float[16 * 10];
            for (int i = 0; i < 2; i++) // warm-up: gradient arena, optimizer state, JIT tiers, worker threads
            {
                model.ForwardBackward(input, labels, 16, logits);
                adam.Step();
            }
            Assert.Equal(0, SteadyState.BytesAllocated(() =>
            {
                for (int i = 0; i < 5; i++)
                {
                    model.ForwardBackward(input, labels, 16, logits);
                    adam.Step();
                }
            }));
        }

        [Fact]
        public void Predict_with_a_batch_larger_than_maxBatch_works_in_chunks_like_one_sample_at_a_time()
        {
            var model = new KinkyNet(22, maxBatch: 3);
            var (input, _) = GradientCheckTests.RandomBatch(model, 10, 701);
            var all = new float[10 * 4];
            model.Predict(input, 10, all);
            for (int s = 0; s < 10; s++)
            {
                var one = new float[4];
                model.Predict(input.AsSpan(s * model.InputSize, model.InputSize), 1, one);
                for (int c = 0; c < 4; c++)
                    Assert.True(Math.Abs(one[c] - all[s * 4 + c]) <= 1e-5f * (1 + Math.Abs(one[c])), $"sample {s}, class {c}: {all[s * 4 + c]} in the batch, {one[c]} alone.");
            }
        }

        [Fact]
        public void ForwardBackward_with_a_batch_larger_than_maxBatch_grows_the_arena_and_gives_the_same_result()
        {
            var small = new SmoothNet(23, maxBatch: 2);
            var large = new SmoothNet(23, maxBatch: 8);
            var (input, labels) = GradientCheckTests.RandomBatch(small, 7, 702);
            float[] ls = new float[7 * 5], ll = new float[7 * 5];
            float lossSmall = small.ForwardBackward(input, labels, 7, ls);
            float lossLarge = large.ForwardBackward(input, labels, 7, ll);
            Assert.Equal(lossLarge, lossSmall, 5);
            for (int i = 0; i < ll.Length; i++) Assert.True(Math.Abs(ls[i] - ll[i]) <= 1e-5f, $"logit {i}: {ls[i]} vs {ll[i]}");
            foreach (var (p, q) in small.Parameters.Zip(large.Parameters))
                for (int i = 0; i < p.Length; i++)
                    Assert.True(Math.Abs(p.Grad[i] - q.Grad[i]) <= 1e-5f * (1 + Math.Abs(q.Grad[i])), $"{p.Name}[{i}]: {p.Grad[i]} vs {q.Grad[i]}");
            // And the grown arena still serves smaller batches.
            small.ForwardBackward(input.AsSpan(0, 3 * small.InputSize), labels.AsSpan(0, 3), 3);
        }

        [Fact]
        public void Bad_arguments_are_refused_naming_the_network_and_the_numbers_and_change_nothing()
        {
            var model = new MaxPoolNet(24, maxBatch: 4);
            var (input, labels) = GradientCheckTests.RandomBatch(model, 4, 703);
            var buffers = model.Buffers.Select(b => b.Data.ToArray()).ToList();

            var e = Assert.ThrowsAny<ArgumentException>(() => model.ForwardBackward(input.AsSpan(0, 3000), labels, 4));
            Assert.Contains("MaxPoolNet", e.Message);
            Assert.Contains("3000", e.Message);
            Assert.Contains("3136", e.Message); // 4 × 1×28×28

            e = Assert.ThrowsAny<ArgumentException>(() => model.Predict(input, 4, new float[39]));
            Assert.Contains("MaxPoolNet", e.Message);
            Assert.Contains("39", e.Message);

            e = Assert.ThrowsAny<ArgumentException>(() => model.ForwardBackward(input, labels.AsSpan(0, 3), 4));
            Assert.Contains("MaxPoolNet", e.Message);
            Assert.Contains("3 labels", e.Message);
            Assert.Contains("batch of 4", e.Message);

            var badLabels = (int[])labels.Clone();
            badLabels[2] = 10;
            e = Assert.ThrowsAny<ArgumentException>(() => model.ForwardBackward(input, badLabels, 4));
            Assert.Contains("MaxPoolNet", e.Message);
            Assert.Contains("label 10 of sample 2", e.Message);
            Assert.Contains("[0, 10)", e.Message);
            badLabels[2] = -1;
            Assert.Contains("label -1", Assert.ThrowsAny<ArgumentException>(() => model.ForwardBackward(input, badLabels, 4)).Message);

            // None of the refused calls ran a forward pass: BatchNorm's running statistics are as they were.
            Assert.Equal(buffers, model.Buffers.Select(b => b.Data.ToArray()).ToList());
        }

        [Fact]
        public void BatchNorm1d_in_training_mode_refuses_a_batch_of_one_and_Eval_accepts_it()
        {
            var model = new MaxPoolNet(25, maxBatch: 4);
            var (input, labels) = GradientCheckTests.RandomBatch(model, 1, 704);
            var buffers = model.Buffers.Select(b => b.Data.ToArray()).ToList();
            var e = Assert.ThrowsAny<ArgumentException>(() => model.ForwardBackward(input, labels, 1));
            Assert.Contains("MaxPoolNet", e.Message);
            Assert.Contains("BatchNorm1d [10]", e.Message);
            Assert.Contains("1 sample", e.Message);
            Assert.Contains("Eval()", e.Message);
            Assert.Equal(buffers, model.Buffers.Select(b => b.Data.ToArray()).ToList()); // the BatchNorm2d before it did not move either

            model.Eval();
            float loss = model.ForwardBackward(input, labels, 1);
            Assert.True(float.IsFinite(loss));
            var logits = new float[10];
            model.Predict(input, 1, logits);
            Assert.All(logits, v => Assert.True(float.IsFinite(v)));
        }

        [Fact]
        public void Train_and_Eval_flip_IsTraining()
        {
            var model = new DropoutNet(26, maxBatch: 2);
            Assert.True(model.IsTraining);
            model.Eval();
            Assert.False(model.IsTraining);
            model.Eval();
            Assert.False(model.IsTraining);
            model.Train();
            Assert.True(model.IsTraining);
        }

        [Fact]
        public void A_tiny_network_learns_a_separable_problem_to_full_accuracy()
        {
            // Three classes of 6×6 images: a horizontal bar, a vertical bar or a diagonal at a random place, in noise.
            static (float[] X, int[] Y) Make(Random random, int count)
            {
                var x = new float[count * 36];
                var y = new int[count];
                for (int s = 0; s < count; s++)
                {
                    int label = random.Next(3), at = random.Next(1, 5);
                    y[s] = label;
                    var image = x.AsSpan(s * 36, 36);
                    for (int i = 0; i < 36; i++) image[i] = (float)(0.3 * GradientCheckTests.Normal(random));
                    for (int t = 0; t < 6; t++)
                    {
                        int row = label switch { 0 => at, 1 => t, _ => t };
                        int col = label switch { 0 => t, 1 => at, _ => t };
                        image[row * 6 + col] += 1f;
                    }
                }
                return (x, y);
            }

            var random = new Random(2024);
            var (trainX, trainY) = Make(random, 512);
            var (testX, testY) = Make(random, 300);
            var model = new TinyNet(27, maxBatch: 16);
            var adam = new Adam(model.Parameters, lr: 1e-2f);
            float firstLoss = 0, lastLoss = 0;
            for (int step = 0; step < 300; step++)
            {
                int start = step * 16 % 512;
                float loss = model.ForwardBackward(trainX.AsSpan(start * 36, 16 * 36), trainY.AsSpan(start, 16), 16);
                adam.Step();
                if (step == 0) firstLoss = loss;
                lastLoss = loss;
            }

            var logits = new float[300 * 3];
            model.Predict(testX, 300, logits);
            int correct = Enumerable.Range(0, 300).Count(s => ArgMax(logits.AsSpan(s * 3, 3)) == testY[s]);
            Assert.True(correct >= 297, $"{correct}/300 correct on held-out samples; loss {firstLoss} → {lastLoss}.");
            Assert.True(lastLoss < 0.1f * firstLoss, $"loss {firstLoss} → {lastLoss}");
        }

        private static int ArgMax(ReadOnlySpan<float> values)
        {
            int best = 0;
            for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
            return best;
        }
    }
}
