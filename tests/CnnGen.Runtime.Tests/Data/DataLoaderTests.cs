using System;
using System.Collections.Generic;
using System.Linq;
using CnnGen.Data;
using CnnGen.Tests.Training;
using Xunit;

namespace CnnGen.Tests.Data
{
    [Collection(AllocationCollection.Name)]
    public class DataLoaderTests
    {
        /// <summary>Each batch as (sample ids read back from the values, labels), copied out.</summary>
        private static List<(int[] Ids, int[] Labels)> Collect(DataLoader loader, int epoch, int sampleSize = 3)
        {
            var result = new List<(int[], int[])>();
            foreach (var b in loader.Epoch(epoch))
            {
                var ids = new int[b.Count];
                for (int i = 0; i < b.Count; i++)
                {
                    ids[i] = (int)b.Input[i * sampleSize];
                    for (int k = 1; k < sampleSize; k++) Assert.Equal(ids[i], (int)b.Input[i * sampleSize + k]);
                }
                Assert.Equal(b.Count * sampleSize, b.InputMemory.Length);
                result.Add((ids, b.Labels.ToArray()));
            }
            return result;
        }

        [Theory]
        [InlineData(10, 3, false, new[] { 3, 3, 3, 1 })]
        [InlineData(10, 3, true, new[] { 3, 3, 3 })]
        [InlineData(9, 3, true, new[] { 3, 3, 3 })]
        [InlineData(4, 10, false, new[] { 4 })]
        public void Batch_sizes_follow_dropLast(int count, int batch, bool dropLast, int[] sizes)
        {
            using var loader = new DataLoader(TestData.Indexed(count), batch, dropLast: dropLast);
            Assert.Equal(sizes.Length, loader.BatchCount);
            Assert.Equal(sizes, Collect(loader, 0).Select(b => b.Ids.Length).ToArray());
        }

        [Fact]
        public void Unshuffled_order_is_dataset_order_with_matching_labels()
        {
            using var loader = new DataLoader(TestData.Indexed(7), 3);
            var batches = Collect(loader, 0);
            Assert.Equal(Enumerable.Range(0, 7), batches.SelectMany(b => b.Ids));
            Assert.Equal(Enumerable.Range(0, 7).Select(i => i % 4), batches.SelectMany(b => b.Labels));
        }

        [Fact]
        public void Shuffle_sees_every_sample_once_per_epoch_and_is_deterministic()
        {
            var ds = TestData.Indexed(103);
            using var a = new DataLoader(ds, 10, shuffle: true, seed: 42);
            using var b = new DataLoader(ds, 10, shuffle: true, seed: 42);
            using var c = new DataLoader(ds, 10, shuffle: true, seed: 43);
            var e0 = Collect(a, 0).SelectMany(x => x.Ids).ToArray();
            var e1 = Collect(a, 1).SelectMany(x => x.Ids).ToArray();
            Assert.Equal(Enumerable.Range(0, 103), e0.OrderBy(x => x));
            Assert.Equal(Enumerable.Range(0, 103), e1.OrderBy(x => x));
            Assert.NotEqual(e0, e1);                                          // a new order each epoch
            Assert.NotEqual(Enumerable.Range(0, 103), e0);                    // actually shuffled
            Assert.Equal(e1, Collect(b, 1).SelectMany(x => x.Ids).ToArray()); // same seed & epoch, same order
            Assert.NotEqual(e0, Collect(c, 0).SelectMany(x => x.Ids).ToArray());
            Assert.Equal(e0, a.EpochOrder(0));
            // Labels travel with their samples.
            foreach (var batch in Collect(a, 2))
                Assert.Equal(batch.Ids.Select(i => i % 4), batch.Labels);
        }

        [Fact]
        public void TrainSamples_limits_to_the_first_N()
        {
            using var loader = new DataLoader(TestData.Indexed(50), 4, shuffle: true, seed: 3, trainSamples: 10);
            Assert.Equal(10, loader.SampleCount);
            Assert.Equal(3, loader.BatchCount);
            Assert.Equal(Enumerable.Range(0, 10), Collect(loader, 0).SelectMany(b => b.Ids).OrderBy(x => x));
        }

        [Fact]
        public void Prefetch_gives_the_same_batches_as_serial()
        {
            var ds = TestData.Indexed(257, sampleSize: 5);
            using var bg = new DataLoader(ds, 16, shuffle: true, seed: 9, prefetch: true);
            using var serial = new DataLoader(ds, 16, shuffle: true, seed: 9, prefetch: false);
            for (int epoch = 0; epoch < 3; epoch++)
            {
                var x = Collect(bg, epoch, 5);
                var y = Collect(serial, epoch, 5);
                Assert.Equal(y.Count, x.Count);
                for (int i = 0; i < x.Count; i++)
                {
                    Assert.Equal(y[i].Ids, x[i].Ids);
                    Assert.Equal(y[i].Labels, x[i].Labels);
                }
            }
        }

        [Fact]
        public void Breaking_off_an_epoch_leaves_the_loader_usable_and_start_batch_resumes()
        {
            var ds = TestData.Indexed(40);
            using var loader = new DataLoader(ds, 4, shuffle: true, seed: 5);
            var full = Collect(loader, 3).SelectMany(b => b.Ids).ToArray();
            foreach (var b in loader.Epoch(3)) { if (b.Index == 2) break; }
            var rest = new List<int>();
            foreach (var b in loader.Epoch(3, startBatch: 6))
                for (int i = 0; i < b.Count; i++) rest.Add((int)b.Input[i * 3]);
            Assert.Equal(full.Skip(24), rest);
        }

        [Fact]
        public void Default_enumeration_advances_epochs()
        {
            using var loader = new DataLoader(TestData.Indexed(30), 30, shuffle: true, seed: 1);
            var first = new List<int>();
            foreach (var b in loader) for (int i = 0; i < b.Count; i++) first.Add((int)b.Input[i * 3]);
            var second = new List<int>();
            foreach (var b in loader) for (int i = 0; i < b.Count; i++) second.Add((int)b.Input[i * 3]);
            Assert.Equal(loader.EpochOrder(0), first);
            Assert.Equal(loader.EpochOrder(1), second);
        }

        [Fact]
        public void Two_enumerations_at_once_are_refused()
        {
            using var loader = new DataLoader(TestData.Indexed(10), 2);
            var e = loader.Epoch(0).GetEnumerator();
            e.MoveNext();
            Assert.Throws<InvalidOperationException>(() => loader.Epoch(0).GetEnumerator());
            e.Dispose();
            var again = loader.Epoch(0).GetEnumerator();
            again.Dispose();
        }

        [Fact]
        public void Steady_state_epochs_allocate_nothing_per_batch()
        {
            using var loader = new DataLoader(TestData.Indexed(2000, sampleSize: 16), 10, shuffle: true, seed: 1);
            float sum = 0;
            foreach (var b in loader.Epoch(0)) sum += b.Input[0];   // warm-up: starts the worker thread
            long before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var b in loader.Epoch(1)) sum += b.Input[0] + b.Labels[0];
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            // 200 batches; only the epoch's shuffle generator (a few dozen bytes) may be allocated.
            Assert.True(allocated < 200, $"{allocated} bytes allocated over 200 batches");
            Assert.True(sum > 0);
        }

        [Fact]
        public void Bad_arguments_are_named()
        {
            var ds = TestData.Indexed(5);
            Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(ds, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(ds, 2, trainSamples: 6));
            Assert.Throws<ArgumentException>(() => new DataLoader(ds, 6, dropLast: true));
        }
    }
}
