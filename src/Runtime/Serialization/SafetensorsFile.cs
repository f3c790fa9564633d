using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using CnnGen.IO;

namespace CnnGen.Serialization
{
    /// <summary>
    /// A safetensors file read into memory and validated: its tensors (name, dtype, shape), its metadata, and
    /// typed reads of each tensor.
    /// </summary>
    /// <remarks>
    /// The format: an 8-byte little-endian header length n, n bytes of UTF-8 JSON
    /// <c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {str: str}}</c>,
    /// then the data section, each tensor's bytes little-endian and row-major at [begin, end) relative to it.
    /// The header is parsed with <see cref="Utf8JsonReader"/> (no reflection, so NativeAOT-safe).
    /// </remarks>
    public sealed class SafetensorsFile
    {
        /// <summary>The header key that holds the string-to-string metadata.</summary>
        public const string MetadataKey = "__metadata__";

        /// <summary>Largest header accepted, as in the reference implementation: a bigger one is a corrupt length.</summary>
        public const int MaxHeaderLength = 100_000_000;

        private readonly byte[] _bytes;
        private readonly int _dataStart;
        private readonly Dictionary<string, SafetensorsTensorInfo> _byName;

        private SafetensorsFile(string path, byte[] bytes, int dataStart, List<SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata)
        {
            FilePath = path;
            _bytes = bytes;
            _dataStart = dataStart;
            Tensors = tensors;
            Metadata = metadata;
            _byName = new Dictionary<string, SafetensorsTensorInfo>(tensors.Count, StringComparer.Ordinal);
            foreach (var t in tensors) _byName.Add(t.Name, t);
        }

        /// <summary>The path read (or the source name given to <see cref="Parse"/>).</summary>
        public string FilePath { get; }

        /// <summary>The tensors in header order.</summary>
        public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

        /// <summary>The <c>__metadata__</c> entries (empty when the file has none).</summary>
        public IReadOnlyDictionary<string, string> Metadata { get; }

        /// <summary>Tensor names in header order.</summary>
        public IEnumerable<string> Names
        {
            get { foreach (var t in Tensors) yield return t.Name; }
        }

        /// <summary>Reads and validates a safetensors file.</summary>
        /// <exception cref="SafetensorsFormatException">The file is malformed; the message says where.</exception>
        public static SafetensorsFile Read(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            if (Directory.Exists(path))
                throw new SafetensorsFormatException(path, null, "this is a directory; expected a .safetensors file.");
            if (!File.Exists(path))
                throw new FileNotFoundException($"{Path.GetFullPath(path)}: no such file (expected a .safetensors file).", path);
            return Parse(File.ReadAllBytes(path), path);
        }

        /// <summary>Validates safetensors bytes held in memory; <paramref name="sourceName"/> names them in errors.</summary>
        /// <exception cref="SafetensorsFormatException">The bytes are malformed; the message says where.</exception>
        public static SafetensorsFile Parse(byte[] bytes, string sourceName)
        {
            ArgumentNullException.ThrowIfNull(bytes);
            ArgumentNullException.ThrowIfNull(sourceName);
            if (bytes.Length < 8)
                throw new SafetensorsFormatException(sourceName, null, $"the file has {bytes.Length} bytes, fewer than the 8-byte header length.");
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            if (headerLength > (ulong)(bytes.Length - 8))
                throw new SafetensorsFormatException(sourceName, null, $"the header length {headerLength} is larger than the {bytes.Length - 8} bytes after it (truncated or not a safetensors file).");
            if (headerLength > MaxHeaderLength)
                throw new SafetensorsFormatException(sourceName, null, $"the header length {headerLength} is over the {MaxHeaderLength}-byte limit.");
            int dataStart = 8 + (int)headerLength;
            var header = new ReadOnlySpan<byte>(bytes, 8, (int)headerLength);
            if (header.Length == 0 || header[0] != (byte)'{')
                throw new SafetensorsFormatException(sourceName, null, "the header does not start with '{'.");

            var tensors = new List<SafetensorsTensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            long dataLength = bytes.Length - dataStart;
            try
            {
                ParseHeader(header, sourceName, dataLength, tensors, metadata);
            }
            catch (JsonException e)
            {
                throw new SafetensorsFormatException(sourceName, null, $"the header is not well-formed JSON ({e.Message}).");
            }
            catch (InvalidOperationException e)
            {
                // Utf8JsonReader reports invalid UTF-8 inside a string this way.
                throw new SafetensorsFormatException(sourceName, null, $"the header is not valid JSON text ({e.Message}).");
            }
            CheckCoverage(sourceName, tensors, dataLength);
            return new SafetensorsFile(sourceName, bytes, dataStart, tensors, metadata);
        }

        private static void ParseHeader(ReadOnlySpan<byte> header, string source, long dataLength,
                                        List<SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata)
        {
            var reader = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 });
            Expect(ref reader, JsonTokenType.StartObject, source, null, "the header");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            while (true)
            {
                Next(ref reader, source, null);
                if (reader.TokenType == JsonTokenType.EndObject) break;
                string name = reader.GetString()!;
                if (name == MetadataKey)
                {
                    if (sawMetadata) throw new SafetensorsFormatException(source, null, $"'{MetadataKey}' appears twice.");
                    sawMetadata = true;
                    ParseMetadata(ref reader, source, metadata);
                    continue;
                }
                if (!seen.Add(name)) throw new SafetensorsFormatException(source, name, "the name appears twice in the header.");
                tensors.Add(ParseTensor(ref reader, source, name, dataLength));
            }
            // Anything after the closing brace but spaces (the usual alignment padding) is an error;
            // the reader throws on it, as it allows a single top-level value only.
            if (reader.Read())
                throw new SafetensorsFormatException(source, null, "the header has content after its closing '}'.");
        }

        private static void ParseMetadata(ref Utf8JsonReader reader, string source, Dictionary<string, string> metadata)
        {
            Next(ref reader, source, null);
            if (reader.TokenType == JsonTokenType.Null) return;
            if (reader.TokenType != JsonTokenType.StartObject)
                throw new SafetensorsFormatException(source, null, $"'{MetadataKey}' must be an object of strings, found {reader.TokenType}.");
            while (true)
            {
                Next(ref reader, source, null);
                if (reader.TokenType == JsonTokenType.EndObject) return;
                string key = reader.GetString()!;
                Next(ref reader, source, null);
                if (reader.TokenType != JsonTokenType.String)
                    throw new SafetensorsFormatException(source, null, $"metadata '{key}' must be a string, found {reader.TokenType}.");
                if (!metadata.TryAdd(key, reader.GetString()!))
                    throw new SafetensorsFormatException(source, null, $"metadata '{key}' appears twice.");
            }
        }

        private static SafetensorsTensorInfo ParseTensor(ref Utf8JsonReader reader, string source, string name, long dataLength)
        {
            Expect(ref reader, JsonTokenType.StartObject, source, name, "the tensor entry");
            string? dtypeName = null;
            List<long>? shape = null;
            List<long>? offsets = null;
            while (true)
            {
                Next(ref reader, source, name);
                if (reader.TokenType == JsonTokenType.EndObject) break;
                string field = reader.GetString()!;
                switch (field)
                {
                    case "dtype":
                        Expect(ref reader, JsonTokenType.String, source, name, "\"dtype\"");
                        dtypeName = reader.GetString()!;
                        break;
                    case "shape":
                        shape = ReadIntegers(ref reader, source, name, "\"shape\"");
                        break;
                    case "data_offsets":
                        offsets = ReadIntegers(ref reader, source, name, "\"data_offsets\"");
                        break;
                    default:
                        // Unknown fields are tolerated (forward compatibility), but must still be valid JSON.
                        Next(ref reader, source, name);
                        reader.Skip();
                        break;
                }
            }
            if (dtypeName is null) throw new SafetensorsFormatException(source, name, "\"dtype\" is missing.");
            if (shape is null) throw new SafetensorsFormatException(source, name, "\"shape\" is missing.");
            if (offsets is null) throw new SafetensorsFormatException(source, name, "\"data_offsets\" is missing.");
            if (!SafetensorsDTypes.TryParse(dtypeName, out var dtype))
                throw new SafetensorsFormatException(source, name, $"unknown dtype '{dtypeName}' (known: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL).");
            if (offsets.Count != 2)
                throw new SafetensorsFormatException(source, name, $"\"data_offsets\" must hold 2 numbers [begin, end], found {offsets.Count}.");
            long begin = offsets[0], end = offsets[1];
            if (begin > end)
                throw new SafetensorsFormatException(source, name, $"data_offsets [{begin}, {end}] end before they begin.");
            if (end > dataLength)
                throw new SafetensorsFormatException(source, name, $"data_offsets [{begin}, {end}] run past the {dataLength}-byte data section.");
            long expectedBytes;
            try
            {
                long count = 1;
                foreach (long d in shape) count = checked(count * d);
                expectedBytes = checked(count * SafetensorsDTypes.SizeOf(dtype));
            }
            catch (OverflowException)
            {
                throw new SafetensorsFormatException(source, name, $"shape {SafetensorsTensorInfo.FormatShape(shape)} is too large.");
            }
            if (expectedBytes != end - begin)
                throw new SafetensorsFormatException(source, name,
                    $"shape {SafetensorsTensorInfo.FormatShape(shape)} of {dtypeName} needs {expectedBytes} bytes, but data_offsets [{begin}, {end}] hold {end - begin}.");
            return new SafetensorsTensorInfo(name, dtype, shape.ToArray(), begin, end);
        }

        private static List<long> ReadIntegers(ref Utf8JsonReader reader, string source, string name, string what)
        {
            Expect(ref reader, JsonTokenType.StartArray, source, name, what);
            var values = new List<long>();
            while (true)
            {
                Next(ref reader, source, name);
                if (reader.TokenType == JsonTokenType.EndArray) return values;
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v) || v < 0)
                    throw new SafetensorsFormatException(source, name, $"{what} must hold non-negative integers.");
                values.Add(v);
            }
        }

        private static void Next(ref Utf8JsonReader reader, string source, string? name)
        {
            if (!reader.Read()) throw new SafetensorsFormatException(source, name, "the header JSON ends too early.");
        }

        private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string source, string? name, string what)
        {
            Next(ref reader, source, name);
            if (reader.TokenType != type)
                throw new SafetensorsFormatException(source, name, $"{what} must be {Describe(type)}, found {reader.TokenType}.");
        }

        private static string Describe(JsonTokenType type) => type switch
        {
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.String => "a string",
            _ => type.ToString(),
        };

        /// <summary>The tensors must tile the data section exactly: no gap, no overlap, nothing left over.</summary>
        private static void CheckCoverage(string source, List<SafetensorsTensorInfo> tensors, long dataLength)
        {
            var sorted = tensors.ToArray();
            Array.Sort(sorted, (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long expected = 0;
            SafetensorsTensorInfo? previous = null;
            foreach (var t in sorted)
            {
                if (t.Begin < expected)
                    throw new SafetensorsFormatException(source, t.Name, $"data_offsets [{t.Begin}, {t.End}] overlap tensor '{previous!.Name}' [{previous.Begin}, {previous.End}].");
                if (t.Begin > expected)
                    throw new SafetensorsFormatException(source, t.Name, $"data_offsets [{t.Begin}, {t.End}] leave a gap: the previous tensor ends at {expected}.");
                expected = t.End;
                previous = t;
            }
            if (expected != dataLength)
                throw new SafetensorsFormatException(source, null, $"the tensors cover {expected} bytes of the {dataLength}-byte data section.");
        }

        /// <summary>True when the file has a tensor of that name.</summary>
        public bool Contains(string name) => _byName.ContainsKey(name);

        /// <summary>Looks a tensor up by name.</summary>
        public bool TryGetTensor(string name, out SafetensorsTensorInfo info) => _byName.TryGetValue(name, out info!);

        /// <summary>A tensor's description.</summary>
        /// <exception cref="KeyNotFoundException">No tensor of that name; the message names the file.</exception>
        public SafetensorsTensorInfo GetTensor(string name)
            => _byName.TryGetValue(name, out var info)
                ? info
                : throw new KeyNotFoundException($"Safetensors file '{FilePath}' has no tensor '{name}'.");

        /// <summary>A tensor's bytes as stored (little-endian).</summary>
        public ReadOnlySpan<byte> GetRawBytes(string name)
        {
            var t = GetTensor(name);
            return new ReadOnlySpan<byte>(_bytes, _dataStart + (int)t.Begin, (int)(t.End - t.Begin));
        }

        /// <summary>A tensor's values as floats, converted from any dtype (F64 rounds, integers convert).</summary>
        public float[] ReadFloat(string name)
        {
            var result = new float[checked((int)GetTensor(name).ElementCount)];
            ReadFloat(name, result);
            return result;
        }

        /// <summary>As <see cref="ReadFloat(string)"/>, into a span of exactly the tensor's element count.</summary>
        public void ReadFloat(string name, Span<float> destination)
        {
            var t = GetTensor(name);
            CheckDestination(t, destination.Length);
            var src = GetRawBytes(name);
            if (t.DType == SafetensorsDType.F32 && BitConverter.IsLittleEndian)
            {
                src.CopyTo(MemoryMarshal.AsBytes(destination));
                return;
            }
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = t.DType switch
                {
                    SafetensorsDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(src.Slice(i * 4)),
                    SafetensorsDType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(src.Slice(i * 2)),
                    // bfloat16 is the top half of a float32.
                    SafetensorsDType.BF16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(src.Slice(i * 2)) << 16),
                    _ => (float)ReadAsDouble(t.DType, src, i),
                };
            }
        }

        /// <summary>A tensor's values as doubles, converted from any dtype.</summary>
        public double[] ReadDouble(string name)
        {
            var t = GetTensor(name);
            var result = new double[checked((int)t.ElementCount)];
            var src = GetRawBytes(name);
            for (int i = 0; i < result.Length; i++) result[i] = ReadAsDouble(t.DType, src, i);
            return result;
        }

        /// <summary>A tensor's values as longs; the dtype must be an integer one (I64, I32, I16, I8, U8, BOOL).</summary>
        public long[] ReadInt64(string name)
        {
            var result = new long[checked((int)GetTensor(name).ElementCount)];
            ReadInt64(name, result);
            return result;
        }

        /// <summary>As <see cref="ReadInt64(string)"/>, into a span of exactly the tensor's element count.</summary>
        public void ReadInt64(string name, Span<long> destination)
        {
            var t = GetTensor(name);
            if (SafetensorsDTypes.IsFloatingPoint(t.DType))
                throw new SafetensorsFormatException(FilePath, name, $"dtype {SafetensorsDTypes.ToHeaderName(t.DType)} is not an integer type.");
            CheckDestination(t, destination.Length);
            var src = GetRawBytes(name);
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = t.DType switch
                {
                    SafetensorsDType.I64 => BinaryPrimitives.ReadInt64LittleEndian(src.Slice(i * 8)),
                    SafetensorsDType.I32 => BinaryPrimitives.ReadInt32LittleEndian(src.Slice(i * 4)),
                    SafetensorsDType.I16 => BinaryPrimitives.ReadInt16LittleEndian(src.Slice(i * 2)),
                    SafetensorsDType.I8 => (sbyte)src[i],
                    _ => src[i], // U8, BOOL
                };
            }
        }

        private void CheckDestination(SafetensorsTensorInfo t, int length)
        {
            if (length != t.ElementCount)
                throw new ArgumentException($"Safetensors file '{FilePath}', tensor '{t.Name}': it has {t.ElementCount} elements {t.ShapeText}, the destination {length}.", "destination");
        }

        private static double ReadAsDouble(SafetensorsDType dtype, ReadOnlySpan<byte> src, int i) => dtype switch
        {
            SafetensorsDType.F64 => BinaryPrimitives.ReadDoubleLittleEndian(src.Slice(i * 8)),
            SafetensorsDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(src.Slice(i * 4)),
            SafetensorsDType.F16 => (double)BinaryPrimitives.ReadHalfLittleEndian(src.Slice(i * 2)),
            SafetensorsDType.BF16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(src.Slice(i * 2)) << 16),
            SafetensorsDType.I64 => BinaryPrimitives.ReadInt64LittleEndian(src.Slice(i * 8)),
            SafetensorsDType.I32 => BinaryPrimitives.ReadInt32LittleEndian(src.Slice(i * 4)),
            SafetensorsDType.I16 => BinaryPrimitives.ReadInt16LittleEndian(src.Slice(i * 2)),
            SafetensorsDType.I8 => (sbyte)src[i],
            _ => src[i], // U8, BOOL
        };

        /// <summary>
        /// Writes tensors (in the given order) and metadata as a safetensors file, atomically: a temporary file
        /// in the same folder replaces <paramref name="path"/> only once it is complete.
        /// </summary>
        public static void Write(string path, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            ArgumentNullException.ThrowIfNull(tensors);
            var list = new List<SafetensorsTensor>(tensors);
            byte[] header = BuildHeader(list, metadata);
            AtomicFile.WriteStream(path, stream =>
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var t in list) stream.Write(t.Data.Span);
            });
        }

        /// <summary>The JSON header, padded with spaces to a multiple of 8 bytes so the data section is aligned.</summary>
        internal static byte[] BuildHeader(IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var t in tensors)
            {
                if (t is null) throw new ArgumentException("A tensor in the list is null.", nameof(tensors));
                if (!names.Add(t.Name)) throw new ArgumentException($"Tensor name '{t.Name}' appears twice.", nameof(tensors));
            }
            var buffer = new ArrayBufferWriter<byte>();
            // Relaxed escaping keeps '+', '<' and non-ASCII text readable; the output is still valid JSON.
            using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                json.WriteStartObject();
                if (metadata is { Count: > 0 })
                {
                    json.WriteStartObject(MetadataKey);
                    foreach (var kv in metadata)
                    {
                        ArgumentNullException.ThrowIfNull(kv.Value, $"metadata '{kv.Key}'");
                        json.WriteString(kv.Key, kv.Value);
                    }
                    json.WriteEndObject();
                }
                long offset = 0;
                foreach (var t in tensors)
                {
                    json.WriteStartObject(t.Name);
                    json.WriteString("dtype", SafetensorsDTypes.ToHeaderName(t.DType));
                    json.WriteStartArray("shape");
                    foreach (int d in t.Shape) json.WriteNumberValue(d);
                    json.WriteEndArray();
                    json.WriteStartArray("data_offsets");
                    json.WriteNumberValue(offset);
                    offset += t.Data.Length;
                    json.WriteNumberValue(offset);
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                json.WriteEndObject();
            }
            int padded = (buffer.WrittenCount + 7) / 8 * 8;
            var header = new byte[padded];
            buffer.WrittenSpan.CopyTo(header);
            header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
            return header;
        }
    }
}
