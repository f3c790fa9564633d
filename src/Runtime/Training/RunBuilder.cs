using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace CnnGen.Training
{
    /// <summary>
    /// One run of a hyperparameter grid: an ordered dictionary of name → value, plus its number.
    /// </summary>
    public sealed class RunParameters : IReadOnlyDictionary<string, object>
    {
        private readonly KeyValuePair<string, object>[] _items;

        public RunParameters(int index, IEnumerable<KeyValuePair<string, object>> items)
        {
            Index = index;
            _items = items.ToArray();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var kv in _items)
            {
                if (!seen.Add(kv.Key)) throw new ArgumentException($"Hyperparameter '{kv.Key}' appears twice.", nameof(items));
            }
        }

        /// <summary>The run's number, from 1, in grid order.</summary>
        public int Index { get; }

        public object this[string key]
        {
            get
            {
                foreach (var kv in _items)
                {
                    if (kv.Key == key) return kv.Value;
                }
                throw new KeyNotFoundException($"Run {Index} has no hyperparameter '{key}' (it has {string.Join(", ", Keys)}).");
            }
        }

        public IEnumerable<string> Keys => _items.Select(kv => kv.Key);

        public IEnumerable<object> Values => _items.Select(kv => kv.Value);

        public int Count => _items.Length;

        public bool ContainsKey(string key) => _items.Any(kv => kv.Key == key);

        public bool TryGetValue(string key, out object value)
        {
            foreach (var kv in _items)
            {
                if (kv.Key == key) { value = kv.Value; return true; }
            }
            value = null!;
            return false;
        }

        /// <summary>The value as a double (any numeric value converts).</summary>
        public double GetDouble(string key) => Convert.ToDouble(this[key], CultureInfo.InvariantCulture);

        /// <summary>The value as a float.</summary>
        public float GetFloat(string key) => (float)GetDouble(key);

        /// <summary>The value as an int (a numeric value with no fraction).</summary>
        public int GetInt(string key)
        {
            object v = this[key];
            double d = Convert.ToDouble(v, CultureInfo.InvariantCulture);
            if (d != Math.Floor(d) || d < int.MinValue || d > int.MaxValue)
                throw new InvalidCastException($"Hyperparameter '{key}' of run {Index} is {FormatValue(v)}, not an integer.");
            return (int)d;
        }

        /// <summary>The value as a string.</summary>
        public string GetString(string key) => FormatValue(this[key]);

        /// <summary>The value as a bool.</summary>
        public bool GetBool(string key) => this[key] is bool b ? b : throw new InvalidCastException($"Hyperparameter '{key}' of run {Index} is {FormatValue(this[key])}, not a bool.");

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object>>)_items).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        /// <summary>"lr=0.01, batch_size=1000, network=max_pool", as in a run's label.</summary>
        public override string ToString() => string.Join(", ", _items.Select(kv => kv.Key + "=" + FormatValue(kv.Value)));

        /// <summary>Culture-invariant text of a hyperparameter value.</summary>
        public static string FormatValue(object? value) => value switch
        {
            null => "",
            string s => s,
            bool b => b ? "true" : "false",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            float f => f.ToString("R", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
    }

    /// <summary>
    /// Expands a grid of hyperparameters into runs, every combination once, in a deterministic order: the
    /// first parameter added varies slowest and the last fastest (as Python's itertools.product).
    /// <code>
    /// var runs = new RunBuilder()
    ///     .Add("lr", 0.01, 0.001)
    ///     .Add("batch_size", 1000)
    ///     .Add("network", "max_pool", "no_max_pool")
    ///     .Build();   // 4 runs: (0.01, 1000, max_pool), (0.01, 1000, no_max_pool), (0.001, …), …
    /// </code>
    /// </summary>
    public sealed class RunBuilder
    {
        private readonly List<KeyValuePair<string, object[]>> _axes = new List<KeyValuePair<string, object[]>>();

        /// <summary>Adds a hyperparameter and the values to try.</summary>
        public RunBuilder Add<T>(string name, params T[] values) where T : notnull
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A hyperparameter needs a name.", nameof(name));
            if (Array.IndexOf(RunLog.StandardColumns, name) >= 0)
                throw new ArgumentException($"'{name}' is a column of the run log already; name the hyperparameter differently.", nameof(name));
            if (values is null || values.Length == 0) throw new ArgumentException($"Hyperparameter '{name}' needs at least one value.", nameof(values));
            foreach (var kv in _axes)
            {
                if (kv.Key == name) throw new ArgumentException($"Hyperparameter '{name}' was added twice.", nameof(name));
            }
            var boxed = new object[values.Length];
            for (int i = 0; i < values.Length; i++) boxed[i] = values[i] ?? throw new ArgumentException($"Hyperparameter '{name}' has a null value.", nameof(values));
            _axes.Add(new KeyValuePair<string, object[]>(name, boxed));
            return this;
        }

        /// <summary>Number of runs the grid expands to.</summary>
        public int Count
        {
            get
            {
                int n = 1;
                foreach (var kv in _axes) n = checked(n * kv.Value.Length);
                return n;
            }
        }

        /// <summary>Every combination, numbered from 1.</summary>
        public IReadOnlyList<RunParameters> Build()
        {
            int total = Count;
            var runs = new List<RunParameters>(total);
            var digits = new int[_axes.Count];
            for (int r = 0; r < total; r++)
            {
                // Mixed-radix counting with the last axis as the lowest digit.
                int rest = r;
                for (int a = _axes.Count - 1; a >= 0; a--)
                {
                    int len = _axes[a].Value.Length;
                    digits[a] = rest % len;
                    rest /= len;
                }
                var items = new KeyValuePair<string, object>[_axes.Count];
                for (int a = 0; a < _axes.Count; a++) items[a] = new KeyValuePair<string, object>(_axes[a].Key, _axes[a].Value[digits[a]]);
                runs.Add(new RunParameters(r + 1, items));
            }
            return runs;
        }
    }
}
