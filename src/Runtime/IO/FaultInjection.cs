using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;

namespace CnnGen.IO
{
    /// <summary>
    /// A test hook that kills the process at a chosen step of a multi-file commit (a checkpoint), so that a test can
    /// prove that a kill at any of them leaves something loadable. Set the environment variable
    /// <c>CNNGEN_FAULT_AT=n</c> and the n-th <see cref="Point"/> reached in the process sends itself SIGKILL: no
    /// finally block, no flush, exactly what a power cut of the process (or <c>kill -9</c>) does. Unset, a point costs
    /// one integer comparison.
    /// </summary>
    internal static class FaultInjection
    {
        public const string Variable = "CNNGEN_FAULT_AT";

        private static readonly long Target = ReadTarget();
        private static long _reached;

        private static long ReadTarget()
        {
            string? text = Environment.GetEnvironmentVariable(Variable);
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0 ? n : 0;
        }

        /// <summary>Marks one step (a write, a rename, a delete); kills the process if it is the chosen one.</summary>
        /// <param name="what">Printed to stderr before the kill, so a failing test says where it died.</param>
        public static void Point(string what)
        {
            if (Target == 0) return;
            if (Interlocked.Increment(ref _reached) != Target) return;
            Console.Error.WriteLine($"{Variable}={Target}: killing the process at '{what}'.");
            Console.Error.Flush();
            // Process.Kill on the current process is SIGKILL on Unix and TerminateProcess on Windows: nothing after it runs.
            Process.GetCurrentProcess().Kill();
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
