using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using CnnGen.IO;

namespace CnnGen.Data
{
    /// <summary>
    /// The contents of an IDX file (the format MNIST and Fashion-MNIST are published in): its dimensions and
    /// its unsigned-byte payload, row-major.
    /// </summary>
    public sealed class IdxData
    {
        public IdxData(int[] dimensions, byte[] data)
        {
            if (dimensions is null) throw new ArgumentNullException(nameof(dimensions));
            if (data is null) throw new ArgumentNullException(nameof(data));
            long length = 1;
            foreach (int d in dimensions)
            {
                if (d < 0) throw new ArgumentException($"IDX dimensions must be ≥ 0, got [{string.Join(", ", dimensions)}].", nameof(dimensions));
                length *= d;
            }
            if (length != data.Length)
                throw new ArgumentException($"IDX dimensions [{string.Join(", ", dimensions)}] need {length} bytes, got {data.Length}.", nameof(data));
            Dimensions = dimensions;
            Data = data;
        }

        /// <summary>Sizes of each dimension, outermost first: [60000, 28, 28] for MNIST's training images.</summary>
        public int[] Dimensions { get; }

        /// <summary>The payload: one unsigned byte per element.</summary>
        public byte[] Data { get; }

        /// <summary>Number of dimensions (3 for images, 1 for labels).</summary>
        public int Rank => Dimensions.Length;
    }

    /// <summary>
    /// Reads IDX files of unsigned bytes, raw or gzip-compressed (recognised by the gzip magic bytes 1f 8b,
    /// whatever the file is called). Every check names the file and what was wrong with it.
    /// </summary>
    public static class IdxReader
    {
        /// <summary>The IDX type byte for unsigned bytes, the only element type MNIST uses.</summary>
        public const byte UnsignedByteType = 0x08;

        /// <summary>Reads an IDX file of any rank.</summary>
        /// <param name="path">The file, raw or gzip-compressed.</param>
        /// <param name="expectedRank">If given, the rank the file must have (3 for images, 1 for labels).</param>
        public static IdxData Read(string path, int? expectedRank = null)
        {
            if (path is null) throw new ArgumentNullException(nameof(path));
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return Read(file, Path.GetFileName(path), expectedRank);
        }

        /// <summary>Reads an IDX stream, raw or gzip-compressed.</summary>
        /// <param name="stream">The stream, positioned at the start of the file.</param>
        /// <param name="name">The name used in error messages (usually the file name).</param>
        /// <param name="expectedRank">If given, the rank the data must have.</param>
        public static IdxData Read(Stream stream, string name, int? expectedRank = null)
        {
            if (stream is null) throw new ArgumentNullException(nameof(stream));
            var bufferedStream = new BufferedStream(stream, 1 << 16);
            // Peek at the first two bytes to tell gzip from raw without relying on the file name.
            Span<byte> magic = stackalloc byte[4];
            int got = ReadFully(bufferedStream, magic.Slice(0, 2));
            if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            {
                // Re-assemble the gzip stream: the two bytes already consumed go in front of the rest.
                // The caller's stream stays open (leaveOpen); only the decompressor is ours to dispose.
                using var gzip = new GZipStream(new PrefixedStream(new byte[] { 0x1f, 0x8b }, bufferedStream), CompressionMode.Decompress, leaveOpen: true);
                try
                {
                    return ReadDecoded(gzip, name, expectedRank);
                }
                catch (InvalidDataException e) when (!e.Message.StartsWith(name, StringComparison.Ordinal))
                {
                    // The decompressor's own complaint names no file; ours do.
                    throw new InvalidDataException($"{name}: not a valid gzip stream ({e.Message})", e);
                }
            }
            return ReadDecoded(new PrefixedStream(magic.Slice(0, got).ToArray(), bufferedStream), name, expectedRank);
        }

        /// <summary>Reads an image file (rank 3: count, rows, columns).</summary>
        public static IdxData ReadImages(string path) => Read(path, 3);

        /// <summary>Reads a label file (rank 1: count).</summary>
        public static IdxData ReadLabels(string path) => Read(path, 1);

        private static IdxData ReadDecoded(Stream s, string name, int? expectedRank)
        {
            Span<byte> header = stackalloc byte[4];
            int got = ReadFully(s, header);
            if (got < 4)
                throw new InvalidDataException($"{name}: the file is {got} bytes long, too short for an IDX header (4 bytes of magic number).");
            if (header[0] != 0 || header[1] != 0)
                throw new InvalidDataException(
                    $"{name}: not an IDX file: the magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(header):X8} should start with two zero bytes (0x00000803 for images, 0x00000801 for labels).");
            if (header[2] != UnsignedByteType)
                throw new InvalidDataException(
                    $"{name}: IDX type byte is 0x{header[2]:X2}, expected 0x08 (unsigned byte); only unsigned-byte IDX files are supported.");
            int rank = header[3];
            if (rank == 0)
                throw new InvalidDataException($"{name}: IDX rank is 0; expected at least one dimension.");
            if (expectedRank is int want && rank != want)
                throw new InvalidDataException(
                    $"{name}: IDX rank is {rank} (magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(header):X8}), expected {want} (magic number 0x{0x800 + want:X8}).");

            var dims = new int[rank];
            Span<byte> dimBytes = stackalloc byte[4];
            long length = 1;
            for (int i = 0; i < rank; i++)
            {
                if (ReadFully(s, dimBytes) < 4)
                    throw new InvalidDataException($"{name}: the header ends before dimension {i + 1} of {rank}.");
                uint d = BinaryPrimitives.ReadUInt32BigEndian(dimBytes);
                if (d > int.MaxValue)
                    throw new InvalidDataException($"{name}: dimension {i + 1} is {d}, too large.");
                dims[i] = (int)d;
                length *= d;
                if (length > Array.MaxLength)
                    throw new InvalidDataException($"{name}: dimensions [{string.Join(", ", dims.AsSpan(0, i + 1).ToArray())}] describe more than {Array.MaxLength} bytes (at most {Array.MaxLength} fit in memory).");
            }

            var data = new byte[length];
            int read = ReadFully(s, data);
            string what = rank == 3 ? "pixels" : rank == 1 ? "labels" : "data";
            if (read < length)
                throw new InvalidDataException(
                    $"{name}: expected {length} bytes of {what} after the header (dimensions [{string.Join(", ", dims)}]), found {read}; the file is truncated.");
            Span<byte> extra = stackalloc byte[1];
            if (ReadFully(s, extra) != 0)
            {
                long more = 1 + CountRemaining(s);
                throw new InvalidDataException(
                    $"{name}: expected {length} bytes of {what} after the header (dimensions [{string.Join(", ", dims)}]), found {length + more}; {more} unexpected bytes follow the data.");
            }
            return new IdxData(dims, data);
        }

        private static long CountRemaining(Stream s)
        {
            var buffer = new byte[1 << 16];
            long total = 0;
            int n;
            while ((n = s.Read(buffer, 0, buffer.Length)) > 0) total += n;
            return total;
        }

        internal static int ReadFully(Stream s, Span<byte> buffer)
        {
            int total = 0;
            while (total < buffer.Length)
            {
                int n = s.Read(buffer.Slice(total));
                if (n == 0) break;
                total += n;
            }
            return total;
        }

        /// <summary>A read-only stream that yields a few bytes already read before continuing with the inner stream.</summary>
        private sealed class PrefixedStream : Stream
        {
            private readonly byte[] _prefix;
            private readonly Stream _inner;
            private int _position;

            public PrefixedStream(byte[] prefix, Stream inner)
            {
                _prefix = prefix;
                _inner = inner;
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

            public override int Read(Span<byte> buffer)
            {
                if (_position < _prefix.Length)
                {
                    int n = Math.Min(buffer.Length, _prefix.Length - _position);
                    _prefix.AsSpan(_position, n).CopyTo(buffer);
                    _position += n;
                    return n;
                }
                return _inner.Read(buffer);
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        }
    }

    /// <summary>Writes IDX files of unsigned bytes, atomically (a temporary file in the same folder, then a rename).</summary>
    public static class IdxWriter
    {
        /// <summary>Writes <paramref name="data"/> with the given dimensions to <paramref name="path"/>.</summary>
        /// <param name="path">The destination; replaced if it exists, never left half-written.</param>
        /// <param name="dimensions">Outermost first, e.g. [count, 28, 28] for images or [count] for labels.</param>
        /// <param name="data">The payload, row-major; its length must be the product of the dimensions.</param>
        /// <param name="gzip">Compress the file with gzip (readers recognise it by its magic bytes).</param>
        public static void Write(string path, ReadOnlySpan<int> dimensions, ReadOnlySpan<byte> data, bool gzip = false)
        {
            if (path is null) throw new ArgumentNullException(nameof(path));
            if (dimensions.Length is 0 or > 255)
                throw new ArgumentException($"An IDX file has 1 to 255 dimensions, got {dimensions.Length}.", nameof(dimensions));
            long length = 1;
            foreach (int d in dimensions)
            {
                if (d < 0) throw new ArgumentException($"IDX dimensions must be ≥ 0, got [{string.Join(", ", dimensions.ToArray())}].", nameof(dimensions));
                length *= d;
            }
            if (length != data.Length)
                throw new ArgumentException($"Dimensions [{string.Join(", ", dimensions.ToArray())}] need {length} bytes, data has {data.Length}.", nameof(data));

            string full = Path.GetFullPath(path);
            string? dir = Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            string tmp = AtomicFile.TempPathFor(full);
            try
            {
                using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    Stream s = gzip ? new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true) : file;
                    Span<byte> word = stackalloc byte[4];
                    word[0] = 0;
                    word[1] = 0;
                    word[2] = IdxReader.UnsignedByteType;
                    word[3] = (byte)dimensions.Length;
                    s.Write(word);
                    foreach (int d in dimensions)
                    {
                        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)d);
                        s.Write(word);
                    }
                    s.Write(data);
                    if (gzip) s.Dispose();
                    file.Flush(flushToDisk: true);
                }
                File.Move(tmp, full, overwrite: true);
            }
            catch
            {
                AtomicFile.TryDelete(tmp);
                throw;
            }
        }

        /// <summary>Writes an <see cref="IdxData"/>.</summary>
        public static void Write(string path, IdxData idx, bool gzip = false) => Write(path, idx.Dimensions, idx.Data, gzip);
    }
}
