using System;
using System.Collections.Generic;

namespace CnnGen.Serialization
{
    /// <summary>
    /// Collects tensors and metadata, then writes them as one safetensors file atomically.
    /// Each <c>Add</c> copies the data, so buffers may be reused right after the call.
    /// </summary>
    public sealed class SafetensorsWriter
    {
        private readonly List<SafetensorsTensor> _tensors = new();
        private readonly HashSet<string> _names = new(StringComparer.Ordinal);

        /// <summary>String metadata written under <c>__metadata__</c>.</summary>
        public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

        /// <summary>Tensors added so far, in order.</summary>
        public IReadOnlyList<SafetensorsTensor> Tensors => _tensors;

        /// <summary>Adds a tensor; its name must be new.</summary>
        public SafetensorsWriter Add(SafetensorsTensor tensor)
        {
            ArgumentNullException.ThrowIfNull(tensor);
            if (!_names.Add(tensor.Name)) throw new ArgumentException($"Tensor name '{tensor.Name}' was already added.", nameof(tensor));
            _tensors.Add(tensor);
            return this;
        }

        /// <summary>Adds an F32 tensor.</summary>
        public SafetensorsWriter AddFloat(string name, IReadOnlyList<int> shape, ReadOnlySpan<float> data)
            => Add(SafetensorsTensor.FromFloat(name, shape, data));

        /// <summary>Adds an F64 tensor.</summary>
        public SafetensorsWriter AddDouble(string name, IReadOnlyList<int> shape, ReadOnlySpan<double> data)
            => Add(SafetensorsTensor.FromDouble(name, shape, data));

        /// <summary>Adds an I64 tensor.</summary>
        public SafetensorsWriter AddInt64(string name, IReadOnlyList<int> shape, ReadOnlySpan<long> data)
            => Add(SafetensorsTensor.FromInt64(name, shape, data));

        /// <summary>Adds an I32 tensor.</summary>
        public SafetensorsWriter AddInt32(string name, IReadOnlyList<int> shape, ReadOnlySpan<int> data)
            => Add(SafetensorsTensor.FromInt32(name, shape, data));

        /// <summary>Writes everything to <paramref name="path"/> (temporary file in the same folder, then a rename).</summary>
        public void Save(string path) => SafetensorsFile.Write(path, _tensors, Metadata);
    }
}
