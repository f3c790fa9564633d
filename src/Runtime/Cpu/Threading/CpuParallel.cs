using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace CnnGen.Cpu.Threading
{
    /// <summary>
    /// A small persistent worker pool for the CPU kernels. A parallel loop is a function pointer plus a pointer
    /// to a caller-owned state struct (usually on the caller's stack), so dispatching allocates nothing.
    /// The calling thread takes part in the work; it returns only when every index has run, which is what
    /// makes stack-allocated state and pointers into pinned arrays safe to share with the workers.
    /// </summary>
    /// <remarks>
    /// One loop runs at a time. A loop started while another is running (from a worker, or from a second
    /// thread) runs inline on its caller, so nesting can never deadlock; it is merely serial.
    /// Which thread runs which index is not fixed: kernels that need reproducible sums give each index a
    /// fixed slice of the work and its own partial buffer, then reduce in index order.
    /// </remarks>
    public static unsafe class CpuParallel
    {
        private static int _maxThreads = Math.Max(1, Environment.ProcessorCount);

        /// <summary>
        /// How many threads (the caller included) a parallel loop may use. Defaults to
        /// <see cref="Environment.ProcessorCount"/>; samples set it from <c>--threads</c>. 1 means serial.
        /// </summary>
        public static int MaxThreads
        {
            get => Volatile.Read(ref _maxThreads);
            set
            {
                if (value < 1)
                    throw new ArgumentOutOfRangeException(nameof(value), value, "CpuParallel.MaxThreads must be at least 1.");
                Volatile.Write(ref _maxThreads, value);
            }
        }

        // The loop being run. Written by the dispatching thread before it signals the workers (the signal is
        // an interlocked write, a full fence), read by workers after they see the signal.
        private static delegate*<void*, int, void> _body;
        private static void* _state;
        private static int _count;
        private static int _next;           // next index to hand out
        // Workers join a loop by taking a ticket before they touch it. Once the caller has run out of indices it
        // closes the ticket office and waits only for the workers that joined: a worker the scheduler has not
        // woken yet (a loaded machine, more runnable threads than cores) no longer holds up the loop; it finds
        // the office closed when it runs and goes back to waiting. Waiting for every signalled worker made a
        // two-thread loop take milliseconds of scheduler latency for microseconds of work.
        private static int _tickets = int.MinValue; // workers that joined the loop; negative while none is open
        private static int _finished;       // joined workers that have finished
        private static long _generation;    // one per loop, so a worker tells a new signal from the last one
        private static Exception? _error;   // first exception thrown by any index

        private static readonly object Gate = new();
        private static Worker[] _workers = System.Array.Empty<Worker>();

        // How long an idle worker keeps polling before it blocks. Waking a blocked thread costs a futex call
        // and, on a virtual machine whose idle vCPU was halted, up to a millisecond; the kernels of one training
        // step follow each other within microseconds, so a short poll keeps the worker warm between them.
        private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 500; // 2 ms

        [ThreadStatic] private static bool _insideLoop;

        /// <summary>One worker's mailbox: the dispatcher writes a generation into Go, the worker runs it.</summary>
        private sealed class Worker
        {
            public long Go;
            public long Seen;
            public int Sleeping;
            public readonly object SleepLock = new();
        }

        /// <summary>
        /// Runs <paramref name="body"/>(<paramref name="state"/>, i) for every i in [0, <paramref name="count"/>),
        /// on up to <see cref="MaxThreads"/> threads, and returns when all have finished. An exception thrown by
        /// any index is rethrown here (wrapped, so the worker's stack is kept) after the others have finished.
        /// </summary>
        public static void For(int count, delegate*<void*, int, void> body, void* state)
        {
            if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The loop count cannot be negative.");
            if (body == null) throw new ArgumentNullException(nameof(body));
            int threads = Math.Min(MaxThreads, count);
            if (_insideLoop)
            {
                // Nested inside a running loop: inline, and the outer loop reports any exception.
                for (int i = 0; i < count; i++) body(state, i);
                return;
            }
            if (threads <= 1 || !Monitor.TryEnter(Gate))
            {
                // One thread, or another thread holds the pool: run inline, failing the same way the pool does.
                try
                {
                    for (int i = 0; i < count; i++) body(state, i);
                }
                catch (Exception e)
                {
                    throw new AggregateException("A parallel kernel loop failed.", e);
                }
                return;
            }

            try
            {
                int helpers = threads - 1;
                EnsureWorkers(helpers);
                _body = body;
                _state = state;
                _count = count;
                _error = null;
                Volatile.Write(ref _next, 0);
                Volatile.Write(ref _finished, 0);
                Volatile.Write(ref _tickets, 0); // open: from here on a worker may join
                long generation = ++_generation;
                for (int w = 0; w < helpers; w++) Signal(_workers[w], generation);

                _insideLoop = true;
                try { RunIndices(); }
                finally { _insideLoop = false; }

                // The caller ran out of indices: close the loop to late-comers, then wait for the workers that
                // joined to finish theirs. Spin without ever sleeping a whole millisecond: the remaining work is
                // usually microseconds away.
                int joined = Interlocked.Exchange(ref _tickets, int.MinValue);
                var spinner = new SpinWait();
                while (Volatile.Read(ref _finished) != joined) spinner.SpinOnce(sleep1Threshold: -1);

                _body = null;
                _state = null;
                Exception? error = _error;
                _error = null;
                if (error != null)
                    throw new AggregateException("A parallel kernel loop failed.", error);
            }
            finally
            {
                Monitor.Exit(Gate);
            }
        }

        /// <summary>
        /// The delegate form of the function-pointer <c>For</c>: runs <paramref name="body"/>(i) for i in [0, count).
        /// It allocates nothing on the managed heap (a GCHandle per call); callers on the hot path cache the delegate.
        /// </summary>
        public static void For(int count, Action<int> body)
        {
            if (body is null) throw new ArgumentNullException(nameof(body));
            GCHandle handle = GCHandle.Alloc(body);
            try
            {
                For(count, &InvokeAction, (void*)GCHandle.ToIntPtr(handle));
            }
            finally
            {
                handle.Free();
            }
        }

        private static void InvokeAction(void* state, int i) => ((Action<int>)GCHandle.FromIntPtr((IntPtr)state).Target!)(i);

        private static void RunIndices()
        {
            delegate*<void*, int, void> body = _body;
            void* state = _state;
            int count = _count;
            while (true)
            {
                int i = Interlocked.Increment(ref _next) - 1;
                if (i >= count) return;
                try
                {
                    body(state, i);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, e, null);
                }
            }
        }

        /// <summary>Takes a ticket for the open loop (then its body and state are safe to use), or false if it is closed.</summary>
        private static bool TryJoin()
        {
            while (true)
            {
                int t = Volatile.Read(ref _tickets);
                if (t < 0) return false;
                if (Interlocked.CompareExchange(ref _tickets, t + 1, t) == t) return true;
            }
        }

        private static void Signal(Worker worker, long generation)
        {
            // Exchange is a full fence: either the worker sees the new Go before it sleeps, or we see Sleeping.
            Interlocked.Exchange(ref worker.Go, generation);
            if (Volatile.Read(ref worker.Sleeping) != 0)
                lock (worker.SleepLock) Monitor.Pulse(worker.SleepLock);
        }

        // Called under Gate. Workers are never stopped: between loops they poll briefly, then sleep.
        private static void EnsureWorkers(int helpers)
        {
            if (_workers.Length >= helpers) return;
            var grown = new Worker[helpers];
            Array.Copy(_workers, grown, _workers.Length);
            for (int w = _workers.Length; w < helpers; w++)
            {
                var worker = new Worker();
                var t = new Thread(() => WorkerMain(worker), maxStackSize: 1 << 20)
                {
                    IsBackground = true,
                    Name = "CnnGen CPU worker " + (w + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
                t.Start();
                grown[w] = worker;
            }
            _workers = grown;
        }

        private static void WorkerMain(Worker self)
        {
            _insideLoop = true; // a kernel called from inside a loop body runs serially
            while (true)
            {
                long go = Volatile.Read(ref self.Go);
                if (go == self.Seen)
                {
                    long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
                    while ((go = Volatile.Read(ref self.Go)) == self.Seen && System.Diagnostics.Stopwatch.GetTimestamp() < deadline)
                        Thread.SpinWait(30);
                    if (go == self.Seen)
                    {
                        lock (self.SleepLock)
                        {
                            Interlocked.Exchange(ref self.Sleeping, 1);
                            while ((go = Volatile.Read(ref self.Go)) == self.Seen) Monitor.Wait(self.SleepLock);
                            Volatile.Write(ref self.Sleeping, 0);
                        }
                    }
                }
                self.Seen = go;
                if (!TryJoin()) continue; // the loop finished without this worker
                RunIndices();
                Interlocked.Increment(ref _finished);
            }
        }
    }
}
