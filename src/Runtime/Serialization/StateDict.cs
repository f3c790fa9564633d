using System;
using System.Collections.Generic;
using System.Text;

namespace CnnGen.Serialization
{
    /// <summary>
    /// A network's parameters and buffers as a safetensors file under PyTorch's state_dict names, so weights
    /// move both ways with <c>torch.nn.Module.state_dict()</c> / <c>load_state_dict</c>.
    /// </summary>
    public static class StateDict
    {
        /// <summary>
        /// Writes parameters (F32) and buffers (F32, or I64 for <see cref="ModelBuffer.IsInteger"/> ones such as
        /// <c>num_batches_tracked</c>, shape [] for a scalar) to <paramref name="path"/>, atomically.
        /// </summary>
        public static void Save(string path, IReadOnlyList<Parameter> parameters, IReadOnlyList<ModelBuffer> buffers)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            var entries = Describe(parameters, buffers);
            var writer = new SafetensorsWriter();
            // PyTorch's safetensors helpers mark files this way; loaders ignore unknown metadata.
            writer.Metadata["format"] = "pt";
            foreach (var e in entries)
            {
                if (!e.IsInteger)
                {
                    writer.AddFloat(e.Name, e.Shape, e.Data.Span);
                    continue;
                }
                var values = new long[e.Data.Length];
                var data = e.Data.Span;
                for (int i = 0; i < values.Length; i++) values[i] = checked((long)Math.Round(data[i]));
                writer.AddInt64(e.Name, e.Shape, values);
            }
            writer.Save(path);
        }

        /// <summary>
        /// Reads <paramref name="path"/> into the parameters and buffers. Everything is checked first (missing keys,
        /// unexpected keys, shapes, dtypes: F32/F64 for float data, I64/I32/F32 for integer buffers); only a file
        /// that matches completely is copied, so a refused file changes nothing.
        /// </summary>
        /// <param name="path">The safetensors file.</param>
        /// <param name="parameters">Receive the float tensors of the same names.</param>
        /// <param name="buffers">Receive the buffers of the same names.</param>
        /// <param name="ignoreUnexpected">
        /// Accept tensors the network does not have (PyTorch's <c>strict=False</c>, for the unexpected side only):
        /// useful for files that carry more than a state_dict, such as the parity fixtures.
        /// </param>
        /// <param name="allowNonFinite">
        /// Accept NaN and infinite values. Off by default: such weights come from a run that diverged, and loading
        /// them silently gives a model that predicts one class or nothing at all.
        /// </param>
        /// <exception cref="SafetensorsFormatException">The file is malformed or does not match; the message lists every problem.</exception>
        public static void Load(string path, IReadOnlyList<Parameter> parameters, IReadOnlyList<ModelBuffer> buffers, bool ignoreUnexpected = false, bool allowNonFinite = false)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            Describe(parameters, buffers); // argument errors before any file error
            Load(SafetensorsFile.Read(path), parameters, buffers, ignoreUnexpected, allowNonFinite);
        }

        /// <summary>As <see cref="Load(string, IReadOnlyList{Parameter}, IReadOnlyList{ModelBuffer}, bool, bool)"/>, from a file already read.</summary>
        public static void Load(SafetensorsFile file, IReadOnlyList<Parameter> parameters, IReadOnlyList<ModelBuffer> buffers, bool ignoreUnexpected = false, bool allowNonFinite = false)
        {
            ArgumentNullException.ThrowIfNull(file);
            var entries = Describe(parameters, buffers);

            var problems = new List<string>();
            var expected = new HashSet<string>(StringComparer.Ordinal);
            foreach (var e in entries)
            {
                expected.Add(e.Name);
                if (!file.TryGetTensor(e.Name, out var t))
                {
                    problems.Add($"missing '{e.Name}' (expected shape {SafetensorsTensorInfo.FormatShape(e.Shape)})");
                    continue;
                }
                if (!t.ShapeEquals(e.Shape))
                    problems.Add($"'{e.Name}': expected shape {SafetensorsTensorInfo.FormatShape(e.Shape)}, found {t.ShapeText}");
                bool dtypeOk = e.IsInteger
                    ? t.DType is SafetensorsDType.I64 or SafetensorsDType.I32 or SafetensorsDType.F32
                    : t.DType is SafetensorsDType.F32 or SafetensorsDType.F64;
                if (!dtypeOk)
                    problems.Add($"'{e.Name}': dtype {SafetensorsDTypes.ToHeaderName(t.DType)} is not accepted (expected {(e.IsInteger ? "I64, I32 or F32" : "F32 or F64")})");
                else if (!allowNonFinite && t.ShapeEquals(e.Shape) && NonFinite.Describe(file, t) is string bad)
                    problems.Add($"'{e.Name}': {bad} (expected finite numbers; a diverged run writes such weights)");
            }
            if (!ignoreUnexpected)
                foreach (var t in file.Tensors)
                    if (!expected.Contains(t.Name))
                        problems.Add($"unexpected '{t.Name}' (shape {t.ShapeText})");

            if (problems.Count > 0)
            {
                var message = new StringBuilder();
                message.Append("does not match the network (").Append(problems.Count).Append(problems.Count == 1 ? " problem" : " problems").Append("; nothing was loaded):");
                foreach (var p in problems) message.Append("\n  ").Append(p);
                throw new SafetensorsFormatException(file.FilePath, null, message.ToString());
            }

            // Everything matches: copy. Nothing below can fail on the file's account.
            foreach (var e in entries)
            {
                var t = file.GetTensor(e.Name);
                if (t.DType is SafetensorsDType.I64 or SafetensorsDType.I32)
                {
                    var values = file.ReadInt64(e.Name);
                    var data = e.Data.Span;
                    for (int i = 0; i < values.Length; i++) data[i] = values[i];
                }
                else
                {
                    file.ReadFloat(e.Name, e.Data.Span);
                }
            }
        }

        private readonly record struct Entry(string Name, IReadOnlyList<int> Shape, FloatBuffer Data, bool IsInteger);

        /// <summary>The tensors of a network, checked for null, duplicate names and data lengths that do not fit the shape.</summary>
        private static List<Entry> Describe(IReadOnlyList<Parameter> parameters, IReadOnlyList<ModelBuffer> buffers)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            ArgumentNullException.ThrowIfNull(buffers);
            var entries = new List<Entry>(parameters.Count + buffers.Count);
            foreach (var p in parameters)
            {
                if (p is null) throw new ArgumentException("A parameter in the list is null.", nameof(parameters));
                entries.Add(new Entry(p.Name, p.Shape, p.DataBuffer, false));
            }
            foreach (var b in buffers)
            {
                if (b is null) throw new ArgumentException("A buffer in the list is null.", nameof(buffers));
                entries.Add(new Entry(b.Name, b.Shape, b.DataBuffer, b.IsInteger));
            }
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var e in entries)
            {
                if (!names.Add(e.Name)) throw new ArgumentException($"The name '{e.Name}' is used twice among the parameters and buffers.");
                long count = 1;
                foreach (int d in e.Shape) count *= d;
                if (count != e.Data.Length)
                    throw new ArgumentException($"'{e.Name}': shape {SafetensorsTensorInfo.FormatShape(e.Shape)} needs {count} values, its data has {e.Data.Length}.");
            }
            return entries;
        }
    }
}
