using System;
using System.IO;

namespace CnnGen.IO
{
    /// <summary>
    /// Helpers for writing files so that a reader never sees a half-written one: write a temporary file in
    /// the destination's folder (same volume, so the rename is atomic), then move it over the destination.
    /// </summary>
    public static class AtomicFile
    {
        /// <summary>A unique temporary path next to <paramref name="path"/>.</summary>
        public static string TempPathFor(string path)
        {
            string full = Path.GetFullPath(path);
            return full + "." + Guid.NewGuid().ToString("N").Substring(0, 12) + ".tmp";
        }

        /// <summary>
        /// Runs <paramref name="write"/> on a temporary path next to <paramref name="path"/>, flushes it to disk and
        /// then moves the result into place; on failure the temporary file is deleted and <paramref name="path"/> is untouched.
        /// </summary>
        public static void Write(string path, Action<string> write)
        {
            if (write is null) throw new ArgumentNullException(nameof(write));
            string full = Path.GetFullPath(path);
            if (Directory.Exists(full))
                throw new IOException($"{full}: this is a directory; expected the path of a file to write.");
            string? dir = Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(dir))
            {
                if (File.Exists(dir))
                    throw new IOException($"{dir}: this is a file; expected a folder to write {Path.GetFileName(full)} in.");
                Directory.CreateDirectory(dir);
            }
            string tmp = TempPathFor(full);
            try
            {
                write(tmp);
                if (!File.Exists(tmp))
                    throw new IOException($"{Path.GetFileName(full)}: the writer produced no file at the temporary path {tmp}.");
                FlushToDisk(tmp);
                FaultInjection.Point("rename " + Path.GetFileName(full));
                File.Move(tmp, full, overwrite: true);
            }
            catch
            {
                TryDelete(tmp);
                throw;
            }
        }

        /// <summary>
        /// Like <see cref="Write(string, Action{string})"/>, handing <paramref name="write"/> a stream on the temporary
        /// file (flushed to disk by <see cref="Write(string, Action{string})"/> before the rename).
        /// </summary>
        public static void WriteStream(string path, Action<Stream> write)
        {
            if (write is null) throw new ArgumentNullException(nameof(write));
            Write(path, tmp =>
            {
                using var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                write(stream);
            });
        }

        /// <summary>Writes text (UTF-8, no BOM) atomically.</summary>
        public static void WriteAllText(string path, string text)
            => Write(path, tmp => File.WriteAllText(tmp, text, new System.Text.UTF8Encoding(false)));

        /// <summary>Writes bytes atomically.</summary>
        public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
        {
            byte[] copy = bytes.ToArray();
            Write(path, tmp => File.WriteAllBytes(tmp, copy));
        }

        /// <summary>
        /// Forces a written file's data to the disk (fsync), so that a rename that publishes it can never publish an
        /// empty or partial file after a crash of the machine.
        /// </summary>
        public static void FlushToDisk(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            stream.Flush(flushToDisk: true);
        }

        /// <summary>Deletes a leftover temporary file, ignoring failure.</summary>
        public static void TryDelete(string path)
        {
            try { if (File.Exists(path)) File.Delete(path); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
