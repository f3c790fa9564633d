using System;

namespace CnnGen.Randomness
{
    /// <summary>
    /// A small, fast, seeded generator (xoshiro256**, seeded through SplitMix64). Same seed, same numbers,
    /// on every machine: initial weights and data shuffles are reproducible.
    /// </summary>
    public sealed class Rng
    {
        private ulong _s0, _s1, _s2, _s3;

        public Rng(ulong seed)
        {
            _s0 = SplitMix(ref seed);
            _s1 = SplitMix(ref seed);
            _s2 = SplitMix(ref seed);
            _s3 = SplitMix(ref seed);
        }

        private static ulong SplitMix(ref ulong x)
        {
            ulong z = x += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>A stateless hash of (seed, index) to a uniform float in [0, 1): lets parallel workers
        /// draw the same dropout mask whatever the thread split.</summary>
        public static float HashToUnit(ulong seed, ulong index)
        {
            ulong x = seed ^ (index * 0x9E3779B97F4A7C15UL);
            ulong z = SplitMix(ref x);
            return (z >> 40) * (1.0f / (1UL << 24));
        }

        public ulong NextUInt64()
        {
            ulong result = RotL(_s1 * 5, 7) * 9;
            ulong t = _s1 << 17;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = RotL(_s3, 45);
            return result;
        }

        private static ulong RotL(ulong x, int k) => (x << k) | (x >> (64 - k));

        /// <summary>Uniform in [0, 1) with 53 bits.</summary>
        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        /// <summary>Uniform integer in [0, bound).</summary>
        public int NextInt(int bound)
        {
            if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound));
            return (int)((NextUInt64() >> 33) % (ulong)bound);
        }

        /// <summary>Fisher–Yates shuffle.</summary>
        public void Shuffle(Span<int> items)
        {
            for (int i = items.Length - 1; i > 0; i--)
            {
                int j = NextInt(i + 1);
                (items[i], items[j]) = (items[j], items[i]);
            }
        }
    }
}
