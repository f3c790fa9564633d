using System.Runtime.InteropServices;

namespace CnnGen.Cuda
{
    /// <summary>NVRTC (nvrtc.h). nvrtcResult → int, nvrtcProgram → nint.</summary>
    internal static unsafe partial class Nvrtc
    {
        private const string Lib = CudaNative.NvrtcLibrary;

        [LibraryImport(Lib)] public static partial int nvrtcVersion(out int major, out int minor);

        /// <summary>headers/includeNames: arrays of numHeaders C strings (null when numHeaders is 0).</summary>
        [LibraryImport(Lib)]
        public static partial int nvrtcCreateProgram(out nint prog, byte* src, byte* name, int numHeaders, byte** headers, byte** includeNames);
        [LibraryImport(Lib)] public static partial int nvrtcDestroyProgram(ref nint prog);
        [LibraryImport(Lib)] public static partial int nvrtcCompileProgram(nint prog, int numOptions, byte** options);
        [LibraryImport(Lib)] public static partial int nvrtcGetCUBINSize(nint prog, out nuint cubinSizeRet);
        [LibraryImport(Lib)] public static partial int nvrtcGetCUBIN(nint prog, byte* cubin);
        [LibraryImport(Lib)] public static partial int nvrtcGetProgramLogSize(nint prog, out nuint logSizeRet);
        [LibraryImport(Lib)] public static partial int nvrtcGetProgramLog(nint prog, byte* log);
        /// <summary>Returns a static string.</summary>
        [LibraryImport(Lib)] public static partial nint nvrtcGetErrorString(int result);
    }
}
