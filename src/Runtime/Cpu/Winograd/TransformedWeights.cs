using System;
using System.Runtime.InteropServices;
using CnnGen.Cpu.Gemm;

namespace CnnGen.Cpu.Winograd
{
    /// <summary>
    /// The transformed weights U of the forward convolutions a thread ran, one entry per weight tensor (found by its
    /// address), so that inference, which calls the same layers with unchanged weights again and again, transforms
    /// them once: at batch 1 the transform took a third of SimpleCnn's second convolution. An entry is reused
    /// only when the weights are bit for bit those it was made from (a full comparison, so an update in place is
    /// always seen); training changes them every step and pays a comparison that fails early and a copy, into
    /// the layer's own entry (no allocation once warm). The input gradient (training only, new weights every
    /// step) is not kept.
    /// </summary>
    internal static unsafe class TransformedWeights
    {
        private sealed class Entry
        {
            public float* Source;
            public int Cout, Cin;
            public bool Vector;
            public float[] Weights = Array.Empty<float>();
            public float[]? U;
        }

        // More 3×3 layers than any sample network has (ResNet-14: 12); past that, entries are reused in turn.
        private const int Entries = 16;
        // Larger weight tensors are transformed every call: their copies would cost more memory than the
        // transform costs time against convolutions that big.
        private const long MaxWeightFloats = 1L << 18;

        [ThreadStatic] private static Entry[]? _entries;
        [ThreadStatic] private static int _next;

        /// <summary>U for weights w (see <see cref="WinogradTransforms.Weights"/>), valid until this thread's next call.</summary>
        public static float* Get(float* w, int cout, int cin, int coutPad, bool adjoint, bool vector)
        {
            long weightFloats = (long)cout * cin * 9, uFloats = 16L * coutPad * cin;
            if (adjoint || weightFloats > MaxWeightFloats)
            {
                float* scratch = WinogradScratch.Weights(uFloats);
                WinogradTransforms.Weights(w, scratch, cout, cin, coutPad, adjoint, vector);
                return scratch;
            }

            var weights = new ReadOnlySpan<float>(w, (int)weightFloats);
            Entry[] entries = _entries ??= new Entry[Entries];
            Entry? entry = null;
            foreach (Entry? e in entries)
                if (e is not null && e.Source == w && e.Cout == cout && e.Cin == cin && e.Vector == vector) { entry = e; break; }
            // Bit patterns, not float equality: a NaN weight still matches itself, and -0 differs from +0.
            if (entry is not null && MemoryMarshal.Cast<float, int>(weights).SequenceEqual(MemoryMarshal.Cast<float, int>(entry.Weights.AsSpan(0, (int)weightFloats))))
                return DenseScratch.Get(ref entry.U, uFloats);

            if (entry is null)
            {
                entry = entries[_next] ??= new Entry();
                _next = (_next + 1) % Entries;
            }
            entry.Source = w; entry.Cout = cout; entry.Cin = cin; entry.Vector = vector;
            if (entry.Weights.Length < weightFloats) entry.Weights = new float[weightFloats];
            weights.CopyTo(entry.Weights);
            float* u = DenseScratch.Get(ref entry.U, uFloats);
            WinogradTransforms.Weights(w, u, cout, cin, coutPad, adjoint: false, vector);
            return u;
        }
    }
}
