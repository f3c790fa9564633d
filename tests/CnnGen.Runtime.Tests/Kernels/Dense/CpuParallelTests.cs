using System;
using System.Threading;
using CnnGen.Cpu.Threading;
using Xunit;

namespace CnnGen.Tests.Kernels.Dense
{
    public class CpuParallelTests
    {
        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(97)]
        public void Runs_every_index_exactly_once(int count)
        {
            var hits = new int[count];
            for (int round = 0; round < 20; round++)
                CpuParallel.For(count, i => Interlocked.Increment(ref hits[i]));
            Assert.All(hits, h => Assert.Equal(20, h));
        }

        [Fact]
        public void Exception_in_a_body_reaches_the_caller_and_the_pool_keeps_working()
        {
            var e = Assert.Throws<AggregateException>(() => CpuParallel.For(8, i =>
            {
                if (i == 5) throw new InvalidOperationException("failed at index 5");
            }));
            Assert.IsType<InvalidOperationException>(e.InnerException);
            Assert.Contains("index 5", e.InnerException!.Message);
            var hits = new int[8];
            CpuParallel.For(8, i => Interlocked.Increment(ref hits[i]));
            Assert.All(hits, h => Assert.Equal(1, h));
        }

        [Fact]
        public void Nested_loops_run_inline_without_deadlock()
        {
            var hits = new int[6 * 5];
            CpuParallel.For(6, i => CpuParallel.For(5, j => Interlocked.Increment(ref hits[i * 5 + j])));
            Assert.All(hits, h => Assert.Equal(1, h));
        }

        [Fact]
        public void MaxThreads_rejects_zero()
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => CpuParallel.MaxThreads = 0);
            Assert.Contains("MaxThreads", e.Message);
        }
    }

}
