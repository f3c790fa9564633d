using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;

namespace CnnGen.Tests.Serialization
{
    /// <summary>A temporary folder per test, and hand-built safetensors bytes (independent of the writer under test).</summary>
    internal sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cnngen-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        /// <summary>Everything in the folder, to show nothing stray (temporary files) was left behind.</summary>
        public string[] Entries() => Directory.GetFileSystemEntries(Path).Select(System.IO.Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray()!;

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }

    internal static class RawSafetensors
    {
        /// <summary>8-byte little-endian length, the header text as given, then the data bytes.</summary>
        public static byte[] Build(string header, byte[] data)
        {
            var h = Encoding.UTF8.GetBytes(header);
            var bytes = new byte[8 + h.Length + data.Length];
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)h.Length);
            h.CopyTo(bytes, 8);
            data.CopyTo(bytes, 8 + h.Length);
            return bytes;
        }

        public static byte[] Floats(params float[] values)
        {
            var b = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), values[i]);
            return b;
        }

        public static byte[] Longs(params long[] values)
        {
            var b = new byte[values.Length * 8];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(8 * i), values[i]);
            return b;
        }

        public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
    }
}
