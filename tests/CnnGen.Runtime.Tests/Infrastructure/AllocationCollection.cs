using Xunit;

namespace CnnGen.Tests
{
    /// <summary>
    /// Classes that assert "allocates 0 bytes" with GC.GetAllocatedBytesForCurrentThread. They run alone, after the
    /// parallel tests: when another test holds the kernels' worker pool, a kernel runs inline on the calling thread
    /// and makes that thread's scratch buffers then, which is a first call on that path, not a steady-state allocation.
    /// </summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class AllocationCollection
    {
        public const string Name = "Allocation-sensitive (run alone)";
    }
}
