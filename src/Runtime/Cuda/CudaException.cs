using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CnnGen.Cuda
{
    /// <summary>The native library a status code came from.</summary>
    public enum CudaApi
    {
        /// <summary>The CUDA driver API (libcuda), status type CUresult.</summary>
        Driver,
        /// <summary>NVRTC, status type nvrtcResult.</summary>
        Nvrtc,
        /// <summary>cuBLAS, status type cublasStatus_t.</summary>
        Cublas,
        /// <summary>cuDNN, status type cudnnStatus_t.</summary>
        Cudnn,
    }

    /// <summary>
    /// A CUDA, NVRTC, cuBLAS or cuDNN call returned a status other than success. The message names the call, the
    /// status name (e.g. <c>CUDA_ERROR_OUT_OF_MEMORY</c>), its number and, where the library offers one, its description.
    /// </summary>
    public class CudaException : Exception
    {
        /// <summary>Creates the exception for <paramref name="call"/> failing with <paramref name="status"/>.</summary>
        public CudaException(CudaApi api, string call, int status, string statusName, string? description)
            : base(Format(call, status, statusName, description))
        {
            Api = api;
            Call = call;
            Status = status;
            StatusName = statusName;
            Description = description;
        }

        /// <summary>For failures that are not a library status (a compile log, a bad argument found before the call).</summary>
        public CudaException(CudaApi api, string call, string message) : base(message)
        {
            Api = api;
            Call = call;
            StatusName = "";
        }

        /// <summary>The library that reported the failure.</summary>
        public CudaApi Api { get; }
        /// <summary>The native function that failed, e.g. <c>cuMemAlloc_v2</c>.</summary>
        public string Call { get; }
        /// <summary>The raw status code.</summary>
        public int Status { get; }
        /// <summary>The symbolic name of the status.</summary>
        public string StatusName { get; }
        /// <summary>The library's own description of the status, if it offers one.</summary>
        public string? Description { get; }

        internal static string Format(string call, int status, string statusName, string? description)
        {
            string text = call + " failed: " + statusName + " (" + status.ToString(CultureInfo.InvariantCulture) + ")";
            if (!string.IsNullOrEmpty(description) && description != statusName) text += ": " + description;
            return text;
        }
    }

    /// <summary>
    /// No usable CUDA library was found. <see cref="Tried"/> lists every place that was looked at and why it was
    /// rejected (missing, or present but failing to load), so a user can see what to install or where to point
    /// <c>CNNGEN_CUDA_PATH</c>.
    /// </summary>
    public sealed class CudaUnavailableException : Exception
    {
        /// <summary>Creates the exception for <paramref name="library"/> with the list of attempts.</summary>
        public CudaUnavailableException(string library, IReadOnlyList<string> tried)
            : base(BuildMessage(library, tried))
        {
            Library = library;
            Tried = tried;
        }

        /// <summary>Creates the exception with a ready-made reason (the driver refused to start, no device, …).</summary>
        public CudaUnavailableException(string library, string reason, Exception? inner = null)
            : base(reason, inner)
        {
            Library = library;
            Tried = Array.Empty<string>();
        }

        /// <summary>The library that could not be found, e.g. <c>libcudnn.so.9</c>.</summary>
        public string Library { get; }

        /// <summary>Each attempt, in order: a path and what happened there.</summary>
        public IReadOnlyList<string> Tried { get; }

        private static string BuildMessage(string library, IReadOnlyList<string> tried)
        {
            var sb = new StringBuilder();
            sb.Append("CUDA is not available: ").Append(library).Append(" was not found. ");
            sb.Append("Set ").Append(CudaLibraryResolver.PathVariable)
              .Append(" to the folder holding it (or a ':'-separated list of folders). Tried, in order:");
            if (tried.Count == 0) sb.Append(" (nothing: no search locations were configured)");
            foreach (string t in tried) sb.Append(Environment.NewLine).Append("  ").Append(t);
            return sb.ToString();
        }
    }
}
