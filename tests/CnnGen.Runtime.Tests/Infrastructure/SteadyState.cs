using System;

namespace CnnGen.Tests
{
    /// <summary>
    /// What a warm step allocates. On a loaded machine the first warm steps can still allocate once, legitimately: a
    /// worker that was not woken in time leaves its chunk (and that chunk's scratch, grown once) to the calling thread,
    /// and waking a worker that went to sleep the first time can allocate the lock's wait state (CI runs saw 6,976 and
    /// 7,664 bytes). So a step that allocates nothing must come within a few tries; a step that allocates every time
    /// never gives one.
    /// </summary>
    internal static class SteadyState
    {
        /// <summary>Bytes this thread allocated in <paramref name="step"/>: 0 as soon as one of up to five tries allocates nothing, else the last try's.</summary>
        public static long BytesAllocated(Action step)
        {
            long allocated = -1;
            for (int attempt = 0; attempt < 5 && allocated != 0; attempt++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                step();
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            return allocated;
        }
    }
}
