using System;
using System.Collections.Generic;
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
        /// Runs <paramref name="write"/> on a temporary path next to <paramref name="path"/> and then moves the
        /// result into place; on failure the temporary file is deleted and <paramref name="path"/> is untouched.
        /// </summary>
        public static void Write(string path, Action<string> write)
        {
            if (write is null) throw new ArgumentNullException(nameof(write));
            string full = Path.GetFullPath(path);
            string? dir = Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            string tmp = TempPathFor(full);
            try
            {
                write(tmp);
                if (!File.Exists(tmp))
                    throw new IOException($"{Path.GetFileName(full)}: the writer produced no file at the temporary path {tmp}.");
                File.Move(tmp, full, overwrite: true);
            }
            catch
            {
                TryDelete(tmp);
                throw;
            }
        }

        /// <summary>
        /// Writes several files that belong together (a checkpoint's weights, optimizer state and description):
        /// every one is written in full under a temporary name before any is renamed into place, so a failure
        /// while writing leaves all the old files as they were, and the window in which they could disagree is
        /// a few renames long.
        /// </summary>
        public static void WriteTogether(params (string Path, Action<string> Write)[] files)
        {
            var staged = new List<(string Temp, string Final)>();
            try
            {
                foreach (var (path, write) in files)
                {
                    string final = Path.GetFullPath(path);
                    string? dir = Path.GetDirectoryName(final);
                    if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
                    string temp = TempPathFor(final);
                    staged.Add((temp, final));
                    write(temp);
                }
                foreach (var (temp, final) in staged) File.Move(temp, final, overwrite: true);
            }
            finally
            {
                foreach (var (temp, _) in staged) TryDelete(temp);
            }
        }

        /// <summary>
        /// Like <see cref="Write(string, Action{string})"/>, handing <paramref name="write"/> a stream on the temporary
        /// file, flushed to disk before the rename.
        /// </summary>
        public static void WriteStream(string path, Action<Stream> write)
        {
            if (write is null) throw new ArgumentNullException(nameof(write));
            Write(path, tmp =>
            {
                using var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                write(stream);
                stream.Flush(flushToDisk: true);
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

        /// <summary>Deletes a leftover temporary file, ignoring failure.</summary>
        public static void TryDelete(string path)
        {
            try { if (File.Exists(path)) File.Delete(path); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
