using System;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using CnnGen.Randomness;

namespace CnnGen.Data
{
    /// <summary>
    /// One batch handed out by a <see cref="DataLoader"/>. Its memory belongs to the loader and is reused:
    /// it is valid until the enumerator moves to the next batch.
    /// </summary>
    public readonly struct Batch
    {
        private readonly float[] _input;
        private readonly int[]? _labels;
        private readonly float[]? _targets;
        private readonly int _sampleSize;
        private readonly int _targetSize;

        internal Batch(float[] input, int[]? labels, float[]? targets, int count, int sampleSize, int targetSize, int index)
        {
            _input = input;
            _labels = labels;
            _targets = targets;
            Count = count;
            _sampleSize = sampleSize;
            _targetSize = targetSize;
            Index = index;
        }

        /// <summary>Number of samples in this batch (the last one may be smaller unless dropLast).</summary>
        public int Count { get; }

        /// <summary>Position of the batch in its epoch, from 0.</summary>
        public int Index { get; }

        /// <summary>Count × sample-size floats, NCHW.</summary>
        public ReadOnlySpan<float> Input => new ReadOnlySpan<float>(_input, 0, Count * _sampleSize);

        /// <summary>The same values as <see cref="Input"/>, as memory that can be stored or handed to another thread.</summary>
        public ReadOnlyMemory<float> InputMemory => new ReadOnlyMemory<float>(_input, 0, Count * _sampleSize);

        /// <summary>Count class indices (a dataset with labels only).</summary>
        public ReadOnlySpan<int> Labels => _labels is null
            ? throw new InvalidOperationException("This batch comes from a dataset with float targets, not class labels; read Targets.")
            : new ReadOnlySpan<int>(_labels, 0, Count);

        /// <summary>Count × target-size float targets (a dataset made with <see cref="InMemoryDataset.WithTargets"/> only).</summary>
        public ReadOnlySpan<float> Targets => _targets is null
            ? throw new InvalidOperationException("This batch comes from a dataset with class labels, not float targets; read Labels.")
            : new ReadOnlySpan<float>(_targets, 0, Count * _targetSize);
    }

    /// <summary>
    /// Cuts a <see cref="InMemoryDataset"/> into batches, shuffled per epoch from a seed, and prepares the next
    /// batch on a background thread while the current one is being trained on (double buffering: two batch
    /// buffers, allocated once, so the steady state allocates nothing). An optional <see cref="Augmentation"/>
    /// runs on each sample as it is copied into the batch, on that same background thread (or on
    /// <c>workers</c> threads); its random draws depend on (seed, epoch, sample index) only.
    /// <para>
    /// Shuffling: epoch <c>e</c>'s order is a Fisher–Yates shuffle drawn from <c>Rng(seed, e)</c>, so it depends
    /// only on the seed and the epoch number. A resumed run therefore sees exactly the batches it would have seen.
    /// </para>
    /// <code>
    /// using var loader = new DataLoader(train, batchSize: 64, shuffle: true, seed: 1);
    /// foreach (var batch in loader.Epoch(0)) model.ForwardBackward(batch.Input, batch.Labels, batch.Count);
    /// </code>
    /// </summary>
    public sealed class DataLoader : IDisposable
    {
        private readonly float[][] _inputs = new float[2][];
        private readonly int[]?[] _labels = new int[2][];
        private readonly float[]?[] _targets = new float[2][];
        private readonly int[] _order;
        private int _epoch;

        // Background filling: the consumer posts a job (batch index, slot) and waits for its completion.
        private Thread? _worker;
        private readonly SemaphoreSlim _jobPosted = new SemaphoreSlim(0);
        private readonly SemaphoreSlim _jobDone = new SemaphoreSlim(0);
        private int _jobBatch;
        private int _jobSlot;
        private volatile bool _stopping;
        private Exception? _workerError;
        private bool _jobPending;
        private bool _epochActive;
        private int _nextEpoch;
        private bool _disposed;

        /// <param name="dataset">The samples.</param>
        /// <param name="batchSize">Samples per batch.</param>
        /// <param name="shuffle">Shuffle the order each epoch (training); false keeps dataset order (evaluation).</param>
        /// <param name="seed">Seed of the per-epoch shuffles.</param>
        /// <param name="dropLast">Leave out a last batch smaller than <paramref name="batchSize"/>.</param>
        /// <param name="trainSamples">Use only the first N samples of the dataset (null: all), e.g. for a quick run.</param>
        /// <param name="prefetch">Prepare the next batch on a background thread (true) or on the caller's thread.</param>
        /// <param name="augmentation">Applied to each sample's copy in the batch (random crop, flip, normalisation…); null: none.</param>
        /// <param name="workers">Threads that fill one batch (copy and augment its samples); the result does not depend on it.</param>
        public DataLoader(InMemoryDataset dataset, int batchSize, bool shuffle = false, ulong seed = 0, bool dropLast = false, int? trainSamples = null, bool prefetch = true,
            Augmentation? augmentation = null, int workers = 1)
        {
            if (workers <= 0) throw new ArgumentOutOfRangeException(nameof(workers), workers, "The number of workers must be positive.");
            Augmentation = augmentation;
            Workers = workers;
            Dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
            if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
            if ((long)batchSize * dataset.SampleSize > Array.MaxLength)
                throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize,
                    $"A batch of {batchSize} {dataset.Name} samples of {dataset.SampleSize} floats does not fit in one array (at most {Array.MaxLength} floats); use a batch size of at most {Array.MaxLength / dataset.SampleSize}.");
            if (trainSamples is int limit && (limit <= 0 || limit > dataset.Count))
                throw new ArgumentOutOfRangeException(nameof(trainSamples), limit, $"{dataset.Name} has {dataset.Count} samples; the sample limit must be in 1…{dataset.Count}.");
            BatchSize = batchSize;
            Shuffle = shuffle;
            Seed = seed;
            DropLast = dropLast;
            Prefetch = prefetch;
            SampleCount = trainSamples ?? dataset.Count;
            BatchCount = dropLast ? SampleCount / batchSize : (int)(((long)SampleCount + batchSize - 1) / batchSize);
            if (BatchCount == 0)
                throw new ArgumentException($"{dataset.Name}: {SampleCount} samples make no full batch of {batchSize} with dropLast.", nameof(dropLast));
            int size = dataset.SampleSize;
            for (int s = 0; s < 2; s++)
            {
                _inputs[s] = new float[batchSize * size];
                if (dataset.HasLabels) _labels[s] = new int[batchSize];
                else _targets[s] = new float[batchSize * dataset.TargetSize];
            }
            _order = new int[SampleCount];
        }

        public InMemoryDataset Dataset { get; }

        public int BatchSize { get; }

        public bool Shuffle { get; }

        public ulong Seed { get; }

        public bool DropLast { get; }

        public bool Prefetch { get; }

        /// <summary>The per-sample augmentation, or null.</summary>
        public Augmentation? Augmentation { get; }

        /// <summary>Threads that fill one batch.</summary>
        public int Workers { get; }

        /// <summary>Samples drawn from per epoch (the dataset's count, or the trainSamples limit).</summary>
        public int SampleCount { get; }

        /// <summary>Batches per epoch.</summary>
        public int BatchCount { get; }

        /// <summary>Samples actually served per epoch (fewer than <see cref="SampleCount"/> with dropLast).</summary>
        public int SamplesPerEpoch => DropLast ? BatchCount * BatchSize : SampleCount;

        /// <summary>The batches of epoch <paramref name="epoch"/> (from 0), starting at batch <paramref name="startBatch"/> (to resume mid-epoch).</summary>
        public EpochEnumerable Epoch(int epoch, int startBatch = 0)
        {
            if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "The epoch must be ≥ 0.");
            if (startBatch < 0 || startBatch > BatchCount) throw new ArgumentOutOfRangeException(nameof(startBatch), startBatch, $"There are {BatchCount} batches.");
            return new EpochEnumerable(this, epoch, startBatch);
        }

        /// <summary>The next epoch's batches: epoch 0, then 1, … on each call.</summary>
        public EpochEnumerator GetEnumerator() => Epoch(_nextEpoch++).GetEnumerator();

        /// <summary>The sample order of an epoch (indices into the dataset); the same for the same seed and epoch.</summary>
        public int[] EpochOrder(int epoch)
        {
            var order = new int[SampleCount];
            FillOrder(order, epoch);
            return order;
        }

        private void FillOrder(int[] order, int epoch)
        {
            for (int i = 0; i < order.Length; i++) order[i] = i;
            if (Shuffle)
            {
                // Mix the epoch into the seed so each epoch has its own, reproducible order.
                var rng = new Rng(Seed * 0x9E3779B97F4A7C15UL + (ulong)epoch * 0xD1B54A32D192ED03UL + 1);
                rng.Shuffle(order);
            }
        }

        private void Fill(int batchIndex, int slot)
        {
            int start = batchIndex * BatchSize;
            int count = Math.Min(BatchSize, SampleCount - start);
            if (Workers == 1 || count == 1)
            {
                for (int i = 0; i < count; i++) FillSample(start, i, slot);
            }
            else
            {
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Workers }, i => FillSample(start, i, slot));
            }
        }

        /// <summary>Copies sample <c>_order[start + i]</c> into position i of the slot and augments it there.</summary>
        private void FillSample(int start, int i, int slot)
        {
            var d = Dataset;
            int size = d.SampleSize;
            int sample = _order[start + i];
            var image = new Span<float>(_inputs[slot], i * size, size);
            new ReadOnlySpan<float>(d.Images, sample * size, size).CopyTo(image);
            if (Augmentation is not null)
            {
                var random = new AugmentationRandom(Seed, _epoch, sample);
                Augmentation.Apply(image, d.Channels, d.Height, d.Width, ref random);
            }
            if (_labels[slot] is int[] labels) labels[i] = d.Labels[sample];
            else Array.Copy(d.Targets!, (long)sample * d.TargetSize, _targets[slot]!, (long)i * d.TargetSize, d.TargetSize);
        }

        private int CountOf(int batchIndex) => Math.Min(BatchSize, SampleCount - batchIndex * BatchSize);

        private void Post(int batchIndex, int slot)
        {
            if (_worker is null)
            {
                _worker = new Thread(WorkerLoop) { IsBackground = true, Name = "CnnGen DataLoader prefetch" };
                _worker.Start();
            }
            _jobBatch = batchIndex;
            _jobSlot = slot;
            _jobPending = true;
            _jobPosted.Release();
        }

        private void WaitJob()
        {
            _jobDone.Wait();
            _jobPending = false;
            if (_workerError is Exception e)
            {
                _workerError = null;
                ExceptionDispatchInfo.Capture(e).Throw();
            }
        }

        private void WorkerLoop()
        {
            while (true)
            {
                _jobPosted.Wait();
                if (_stopping) return;
                try
                {
                    Fill(_jobBatch, _jobSlot);
                }
                catch (Exception e)
                {
                    _workerError = e;
                }
                _jobDone.Release();
            }
        }

        /// <summary>Stops the background thread.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            if (_jobPending) _jobDone.Wait();
            _stopping = true;
            if (_worker is not null)
            {
                _jobPosted.Release();
                _worker.Join();
            }
            _jobPosted.Dispose();
            _jobDone.Dispose();
        }

        /// <summary>The batches of one epoch, for <c>foreach</c>.</summary>
        public readonly struct EpochEnumerable
        {
            private readonly DataLoader _loader;
            private readonly int _epoch;
            private readonly int _start;

            internal EpochEnumerable(DataLoader loader, int epoch, int start)
            {
                _loader = loader;
                _epoch = epoch;
                _start = start;
            }

            public EpochEnumerator GetEnumerator() => new EpochEnumerator(_loader, _epoch, _start);
        }

        /// <summary>
        /// Walks one epoch. While the caller works on batch k (slot k mod 2), the worker fills batch k+1 into the
        /// other slot; moving on waits for that fill and then posts batch k+2 into the slot just released.
        /// </summary>
        public struct EpochEnumerator : IDisposable
        {
            private readonly DataLoader _loader;
            private int _next;
            private Batch _current;
            private bool _started;

            internal EpochEnumerator(DataLoader loader, int epoch, int start)
            {
                if (loader._disposed) throw new ObjectDisposedException(nameof(DataLoader));
                if (loader._epochActive)
                    throw new InvalidOperationException("This DataLoader is already walking an epoch; finish or dispose that enumerator first (one loader serves one consumer at a time).");
                loader._epochActive = true;
                loader.FillOrder(loader._order, epoch);
                loader._epoch = epoch;
                _loader = loader;
                _next = start;
                _current = default;
                _started = false;
            }

            public Batch Current => _current;

            public bool MoveNext()
            {
                var l = _loader;
                if (_next >= l.BatchCount)
                {
                    _current = default;
                    return false;
                }
                int slot = _next & 1;
                if (l.Prefetch)
                {
                    if (!_started) l.Post(_next, slot);   // the first batch of the epoch has nobody to overlap with
                    l.WaitJob();
                    if (_next + 1 < l.BatchCount) l.Post(_next + 1, slot ^ 1);
                }
                else
                {
                    l.Fill(_next, slot);
                }
                _started = true;
                _current = new Batch(l._inputs[slot], l._labels[slot], l._targets[slot], l.CountOf(_next), l.Dataset.SampleSize, l.Dataset.TargetSize, _next);
                _next++;
                return true;
            }

            /// <summary>Waits for a fill still in flight (so a broken-off epoch leaves the loader clean) and frees the loader.</summary>
            public void Dispose()
            {
                var l = _loader;
                if (l is null || !l._epochActive) return;
                if (l._jobPending && !l._disposed)
                {
                    l._jobDone.Wait();
                    l._jobPending = false;
                    l._workerError = null;
                }
                l._epochActive = false;
            }
        }
    }
}
