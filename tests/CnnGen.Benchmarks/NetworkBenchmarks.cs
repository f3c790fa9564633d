using BenchmarkDotNet.Attributes;
using CnnGen.Optim;

using CnnGen.Samples;

namespace CnnGen.Benchmarks
{
    /// <summary>Whole-network steps for the seed networks: one training step (forward, backward, Adam) and inference.</summary>
    [MemoryDiagnoser]
    public class NetworkBenchmarks
    {
        private INetwork _simple = null!, _maxPool = null!, _noMaxPool = null!, _simpleInfer = null!, _simpleOne = null!;
        private Adam _simpleAdam = null!, _maxPoolAdam = null!, _noMaxPoolAdam = null!;
        private float[] _x64 = null!, _x1000 = null!, _x1 = null!, _logits1000 = null!, _logits1 = null!;
        private int[] _y64 = null!, _y1000 = null!;

        [GlobalSetup]
        public void Setup()
        {
            _simple = new SimpleCnn(1, 64);
            _maxPool = new MaxPoolNet(1, 1000);
            _noMaxPool = new NoMaxPoolNet(1, 1000);
            _simpleInfer = new SimpleCnn(1, 1000);
            _simpleOne = new SimpleCnn(1, 1);
            _simpleAdam = new Adam(_simple.Parameters);
            _maxPoolAdam = new Adam(_maxPool.Parameters, 0.01f);
            _noMaxPoolAdam = new Adam(_noMaxPool.Parameters, 0.01f);
            (_x64, _y64) = Scenario.RandomBatch(_simple, 64);
            (_x1000, _y1000) = Scenario.RandomBatch(_simple, 1000);
            (_x1, _) = Scenario.RandomBatch(_simple, 1);
            _logits1000 = new float[10000];
            _logits1 = new float[10];
        }

        [Benchmark(Description = "SimpleCnn train step, batch 64")]
        public float SimpleTrain64()
        {
            float loss = _simple.ForwardBackward(_x64, _y64, 64);
            _simpleAdam.Step();
            return loss;
        }

        [Benchmark(Description = "SimpleCnn inference, batch 1000")]
        public void SimpleInfer1000() => _simpleInfer.Predict(_x1000, 1000, _logits1000);

        [Benchmark(Description = "SimpleCnn inference, batch 1")]
        public void SimpleInfer1() => _simpleOne.Predict(_x1, 1, _logits1);

        [Benchmark(Description = "max_pool train step, batch 1000")]
        public float MaxPoolTrain1000()
        {
            float loss = _maxPool.ForwardBackward(_x1000, _y1000, 1000);
            _maxPoolAdam.Step();
            return loss;
        }

        [Benchmark(Description = "no_max_pool train step, batch 1000")]
        public float NoMaxPoolTrain1000()
        {
            float loss = _noMaxPool.ForwardBackward(_x1000, _y1000, 1000);
            _noMaxPoolAdam.Step();
            return loss;
        }
    }
}
