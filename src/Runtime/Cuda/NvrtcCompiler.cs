using System;
using System.Collections.Generic;
using System.Text;

namespace CnnGen.Cuda
{
    /// <summary>The NVRTC program failed to compile; <see cref="Log"/> holds the compiler's messages.</summary>
    public sealed class NvrtcCompileException : CudaException
    {
        internal NvrtcCompileException(string programName, string log)
            : base(CudaApi.Nvrtc, "nvrtcCompileProgram", "NVRTC could not compile " + programName + ":" + Environment.NewLine + log)
            => Log = log;

        /// <summary>The compile log.</summary>
        public string Log { get; }
    }

    /// <summary>Compiles CUDA C++ source to CUBIN for one architecture with NVRTC.</summary>
    public static unsafe class NvrtcCompiler
    {
        /// <summary>
        /// The options every glue kernel is compiled with. <c>--fmad=false</c> keeps a·b + c as two roundings, as the CPU
        /// kernels and torch.optim's float32 formulas do; division and sqrt stay IEEE (NVRTC's default).
        /// </summary>
        public static readonly IReadOnlyList<string> DefaultOptions = new[] { "--fmad=false", "--std=c++17" };

        /// <summary>NVRTC's (major, minor) version.</summary>
        public static (int Major, int Minor) Version()
        {
            CudaNative.Require(CudaLibrary.Nvrtc);
            CudaStatus.CheckNvrtc(Nvrtc.nvrtcVersion(out int major, out int minor), "nvrtcVersion");
            return (major, minor);
        }

        /// <summary>
        /// Compiles <paramref name="source"/> to a CUBIN for <paramref name="architecture"/> (e.g. <c>sm_90</c>) with
        /// <see cref="DefaultOptions"/> plus <paramref name="extraOptions"/>. Throws <see cref="NvrtcCompileException"/> with
        /// the log on a compile error.
        /// </summary>
        public static byte[] CompileToCubin(string source, string programName, string architecture, params string[] extraOptions)
        {
            ArgumentNullException.ThrowIfNull(source);
            ArgumentException.ThrowIfNullOrEmpty(programName);
            if (!architecture.StartsWith("sm_", StringComparison.Ordinal))
                throw new ArgumentException($"NVRTC emits CUBIN only for a real architecture such as sm_90, got '{architecture}'.", nameof(architecture));
            CudaNative.Require(CudaLibrary.Nvrtc);

            var options = new List<string>(DefaultOptions) { "--gpu-architecture=" + architecture };
            options.AddRange(extraOptions);

            byte[] src = Utf8Z(source), name = Utf8Z(programName);
            nint program;
            fixed (byte* s = src)
            fixed (byte* n = name)
                CudaStatus.CheckNvrtc(Nvrtc.nvrtcCreateProgram(out program, s, n, 0, null, null), "nvrtcCreateProgram");
            try
            {
                int status = CompileWithOptions(program, options);
                if (status == 6 /* NVRTC_ERROR_COMPILATION */) throw new NvrtcCompileException(programName, Log(program));
                CudaStatus.CheckNvrtc(status, "nvrtcCompileProgram");
                CudaStatus.CheckNvrtc(Nvrtc.nvrtcGetCUBINSize(program, out nuint size), "nvrtcGetCUBINSize");
                if (size == 0) throw new CudaException(CudaApi.Nvrtc, "nvrtcGetCUBINSize", "NVRTC produced an empty CUBIN for " + programName + " (was a virtual compute_XX architecture given?).");
                var cubin = new byte[(int)size];
                fixed (byte* c = cubin) CudaStatus.CheckNvrtc(Nvrtc.nvrtcGetCUBIN(program, c), "nvrtcGetCUBIN");
                return cubin;
            }
            finally
            {
                Nvrtc.nvrtcDestroyProgram(ref program);
            }
        }

        private static int CompileWithOptions(nint program, List<string> options)
        {
            // Each option as a NUL-terminated UTF-8 string in one pinned block, plus an array of pointers into it.
            var offsets = new int[options.Count];
            var blob = new List<byte>();
            for (int i = 0; i < options.Count; i++)
            {
                offsets[i] = blob.Count;
                blob.AddRange(Utf8Z(options[i]));
            }
            byte[] bytes = blob.ToArray();
            byte** pointers = stackalloc byte*[options.Count];
            fixed (byte* b = bytes)
            {
                for (int i = 0; i < options.Count; i++) pointers[i] = b + offsets[i];
                return Nvrtc.nvrtcCompileProgram(program, options.Count, pointers);
            }
        }

        private static string Log(nint program)
        {
            if (Nvrtc.nvrtcGetProgramLogSize(program, out nuint size) != 0 || size <= 1) return "(no log)";
            var log = new byte[(int)size];
            fixed (byte* l = log)
                if (Nvrtc.nvrtcGetProgramLog(program, l) != 0) return "(the log could not be read)";
            return Encoding.UTF8.GetString(log, 0, log.Length - 1); // drop the terminating NUL
        }

        private static byte[] Utf8Z(string s)
        {
            var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
            Encoding.UTF8.GetBytes(s, 0, s.Length, bytes, 0);
            return bytes;
        }
    }
}
