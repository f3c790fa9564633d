using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace CnnGen.Cuda
{
    /// <summary>The native libraries the CUDA backend binds.</summary>
    public enum CudaLibrary
    {
        /// <summary>libcuda.so.1, installed with the NVIDIA driver.</summary>
        Driver,
        /// <summary>libnvrtc.so.13 (or .12), the runtime compiler for the glue kernels.</summary>
        Nvrtc,
        /// <summary>libcublas.so.13 (or .12).</summary>
        Cublas,
        /// <summary>libcudnn.so.9 and its sub-libraries.</summary>
        Cudnn,
    }

    /// <summary>
    /// Where <see cref="CudaLibraryResolver"/> looks, in order. Injectable so tests can point it at a fake tree; the
    /// default comes from <see cref="FromEnvironment"/>.
    /// </summary>
    public sealed class CudaSearchRoots
    {
        /// <summary>Folders from <c>CNNGEN_CUDA_PATH</c>, searched first.</summary>
        public IReadOnlyList<string> UserDirectories { get; init; } = Array.Empty<string>();

        /// <summary>System library folders (LD_LIBRARY_PATH entries, /usr/local/cuda/lib64, /usr/lib/x86_64-linux-gnu, …).</summary>
        public IReadOnlyList<string> SystemDirectories { get; init; } = Array.Empty<string>();

        /// <summary>
        /// Folders that contain <c>python3.X/</c> folders (a venv's <c>lib</c>, <c>/usr/lib</c>, <c>~/.local/lib</c>), or that
        /// are themselves a <c>site-packages</c>/<c>dist-packages</c>; NVIDIA's pip wheels live under
        /// <c>site-packages/nvidia/&lt;package&gt;/lib</c>.
        /// </summary>
        public IReadOnlyList<string> PythonLibDirectories { get; init; } = Array.Empty<string>();

        /// <summary>Last resort: ask the dynamic loader for the bare soname (ld.so.cache). Off in tests.</summary>
        public bool TryLoaderDefault { get; init; }

        /// <summary>The real search roots of this machine.</summary>
        public static CudaSearchRoots FromEnvironment()
        {
            var system = new List<string>();
            system.AddRange(SplitPathList(Environment.GetEnvironmentVariable("LD_LIBRARY_PATH")));
            string? cudaHome = Environment.GetEnvironmentVariable("CUDA_HOME") ?? Environment.GetEnvironmentVariable("CUDA_PATH");
            if (!string.IsNullOrEmpty(cudaHome)) system.Add(Path.Combine(cudaHome, "lib64"));
            system.AddRange(new[]
            {
                "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib",
                "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/lib/wsl/lib",
            });

            var python = new List<string>();
            string? venv = Environment.GetEnvironmentVariable("VIRTUAL_ENV");
            if (!string.IsNullOrEmpty(venv)) python.Add(Path.Combine(venv, "lib"));
            // Virtual environments under /opt (e.g. /opt/torch/.venv on the GPU machines), sorted for a stable order.
            try
            {
                if (Directory.Exists("/opt"))
                {
                    string[] opts = Directory.GetDirectories("/opt");
                    Array.Sort(opts, StringComparer.Ordinal);
                    foreach (string opt in opts)
                        foreach (string name in new[] { ".venv", "venv" })
                        {
                            string lib = Path.Combine(opt, name, "lib");
                            if (Directory.Exists(lib)) python.Add(lib);
                        }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* an unreadable /opt just adds nothing */ }
            python.Add("/usr/local/lib");
            python.Add("/usr/lib");
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (!string.IsNullOrEmpty(home)) python.Add(Path.Combine(home, ".local", "lib"));

            return new CudaSearchRoots
            {
                UserDirectories = SplitPathList(Environment.GetEnvironmentVariable(CudaLibraryResolver.PathVariable)),
                SystemDirectories = system,
                PythonLibDirectories = python,
                TryLoaderDefault = true,
            };
        }

        /// <summary>Splits a ':'-separated list, dropping empty entries.</summary>
        public static IReadOnlyList<string> SplitPathList(string? value)
            => string.IsNullOrWhiteSpace(value)
                ? Array.Empty<string>()
                : value.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>What one search for a library found: the chosen path (or null) and every attempt in order.</summary>
    public sealed class CudaLibraryProbe
    {
        internal CudaLibraryProbe(CudaLibrary library, string? path, IReadOnlyList<string> tried)
        {
            Library = library;
            Path = path;
            Tried = tried;
        }

        /// <summary>The library searched for.</summary>
        public CudaLibrary Library { get; }
        /// <summary>The first candidate that exists, or null.</summary>
        public string? Path { get; }
        /// <summary>Every candidate looked at, with what was found there.</summary>
        public IReadOnlyList<string> Tried { get; }
    }

    /// <summary>
    /// Finds and loads the CUDA libraries without relying on the loader's default search (the pip wheels that carry
    /// cuBLAS/cuDNN/NVRTC on the GPU machines are not on any ld path). Order: <c>CNNGEN_CUDA_PATH</c> folders, then
    /// system folders, then pip-wheel layouts; within a folder the CUDA 13 soname before 12. cuDNN's sub-libraries are
    /// preloaded by full path so that libcudnn.so.9's own dlopen by soname finds them already resident.
    /// </summary>
    public sealed class CudaLibraryResolver
    {
        /// <summary>The environment variable naming a folder (or ':'-separated folders) to search first.</summary>
        public const string PathVariable = "CNNGEN_CUDA_PATH";

        /// <summary>cuDNN 9's sub-libraries in dependency order (graph first; the engines need it; ops/cnn/adv last).</summary>
        public static readonly IReadOnlyList<string> CudnnSubLibraries = new[]
        {
            "libcudnn_graph.so.9", "libcudnn_engines_precompiled.so.9", "libcudnn_engines_runtime_compiled.so.9",
            "libcudnn_heuristic.so.9", "libcudnn_ops.so.9", "libcudnn_cnn.so.9", "libcudnn_adv.so.9",
        };

        private readonly CudaSearchRoots _roots;
        private readonly object _gate = new();
        private readonly Dictionary<CudaLibrary, nint> _loaded = new();
        private readonly List<string> _notes = new();

        /// <summary>A resolver over the given roots.</summary>
        public CudaLibraryResolver(CudaSearchRoots roots) => _roots = roots ?? throw new ArgumentNullException(nameof(roots));

        private static CudaLibraryResolver? s_shared;

        /// <summary>The process-wide resolver the bindings use (roots read from the environment on first use).</summary>
        public static CudaLibraryResolver Shared
        {
            get
            {
                CudaLibraryResolver? r = System.Threading.Volatile.Read(ref s_shared);
                if (r is null)
                {
                    System.Threading.Interlocked.CompareExchange(ref s_shared, new CudaLibraryResolver(CudaSearchRoots.FromEnvironment()), null);
                    r = s_shared!;
                }
                return r;
            }
        }

        /// <summary>Messages about optional pieces that failed to preload (a missing cuDNN sub-library, …).</summary>
        public IReadOnlyList<string> Notes { get { lock (_gate) return _notes.ToArray(); } }

        /// <summary>The sonames tried for <paramref name="library"/>, newest first.</summary>
        public static IReadOnlyList<string> Sonames(CudaLibrary library) => library switch
        {
            CudaLibrary.Driver => new[] { "libcuda.so.1", "libcuda.so" },
            CudaLibrary.Nvrtc => new[] { "libnvrtc.so.13", "libnvrtc.so.12" },
            CudaLibrary.Cublas => new[] { "libcublas.so.13", "libcublas.so.12" },
            CudaLibrary.Cudnn => new[] { "libcudnn.so.9" },
            _ => throw new ArgumentOutOfRangeException(nameof(library)),
        };

        /// <summary>The pip packages (under site-packages/nvidia/) that may carry <paramref name="library"/>.</summary>
        public static IReadOnlyList<string> WheelPackages(CudaLibrary library) => library switch
        {
            CudaLibrary.Driver => Array.Empty<string>(), // the driver never comes from a wheel
            CudaLibrary.Nvrtc => new[] { "cu13", "cuda_nvrtc" },
            CudaLibrary.Cublas => new[] { "cu13", "cublas" },
            CudaLibrary.Cudnn => new[] { "cudnn" },
            _ => throw new ArgumentOutOfRangeException(nameof(library)),
        };

        /// <summary>Every folder searched for <paramref name="library"/>, in order, duplicates removed.</summary>
        public IReadOnlyList<string> SearchDirectories(CudaLibrary library)
        {
            var dirs = new List<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            void Add(string d)
            {
                string full = Path.GetFullPath(d);
                if (seen.Add(full)) dirs.Add(full);
            }
            foreach (string d in _roots.UserDirectories) Add(d);
            foreach (string d in _roots.SystemDirectories) Add(d);
            IReadOnlyList<string> packages = WheelPackages(library);
            if (packages.Count > 0)
                foreach (string sitePackages in SitePackages(_roots.PythonLibDirectories))
                    foreach (string package in packages)
                        Add(Path.Combine(sitePackages, "nvidia", package, "lib"));
            return dirs;
        }

        /// <summary>
        /// site-packages/dist-packages folders under each Python lib folder: <c>python3.X/site-packages</c>, newest
        /// Python first (3.13 before 3.12 before 3.9), then the folder itself if it is one.
        /// </summary>
        internal static IEnumerable<string> SitePackages(IReadOnlyList<string> pythonLibDirectories)
        {
            foreach (string root in pythonLibDirectories)
            {
                string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(root));
                if (name is "site-packages" or "dist-packages") { yield return root; continue; }
                string[] versions;
                try { versions = Directory.Exists(root) ? Directory.GetDirectories(root, "python3*") : Array.Empty<string>(); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { versions = Array.Empty<string>(); }
                Array.Sort(versions, ComparePythonFolders);
                foreach (string v in versions)
                {
                    yield return Path.Combine(v, "site-packages");
                    yield return Path.Combine(v, "dist-packages");
                }
            }
        }

        /// <summary>Newest first: python3.13 &lt; python3.12 &lt; python3.9 &lt; python3 in this order.</summary>
        private static int ComparePythonFolders(string a, string b)
        {
            int va = Minor(a), vb = Minor(b);
            return va != vb ? vb.CompareTo(va) : string.CompareOrdinal(a, b);

            static int Minor(string path)
            {
                string n = Path.GetFileName(path);
                int dot = n.IndexOf('.', StringComparison.Ordinal);
                return dot >= 0 && int.TryParse(n.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int m) ? m : -1;
            }
        }

        /// <summary>Looks for <paramref name="library"/> on disk without loading anything.</summary>
        public CudaLibraryProbe Find(CudaLibrary library)
        {
            var tried = new List<string>();
            string? found = null;
            foreach (string dir in SearchDirectories(library))
                foreach (string soname in Sonames(library))
                {
                    string candidate = Path.Combine(dir, soname);
                    bool exists = File.Exists(candidate);
                    tried.Add(candidate + (exists ? " (found)" : " (missing)"));
                    if (exists && found is null) found = candidate;
                }
            return new CudaLibraryProbe(library, found, tried);
        }

        /// <summary>True once <paramref name="library"/> has been loaded by this resolver.</summary>
        public bool IsLoaded(CudaLibrary library) { lock (_gate) return _loaded.ContainsKey(library); }

        /// <summary>
        /// Loads <paramref name="library"/> (and what it needs) or throws <see cref="CudaUnavailableException"/> listing
        /// every place tried. A candidate that exists but fails to load (wrong architecture, missing dependency, an empty
        /// file) is reported with the loader's message and the search goes on.
        /// </summary>
        public nint Load(CudaLibrary library)
        {
            lock (_gate)
            {
                if (_loaded.TryGetValue(library, out nint handle)) return handle;
                // cuDNN's runtime-compiled engines need NVRTC, and cuDNN can call into cuBLAS: load those first when they exist.
                if (library == CudaLibrary.Cudnn)
                {
                    TryLoadDependency(CudaLibrary.Nvrtc);
                    TryLoadDependency(CudaLibrary.Cublas);
                }
                var tried = new List<string>();
                foreach (string dir in SearchDirectories(library))
                    foreach (string soname in Sonames(library))
                    {
                        string candidate = Path.Combine(dir, soname);
                        if (!File.Exists(candidate)) { tried.Add(candidate + " (missing)"); continue; }
                        PreloadCompanions(library, dir);
                        try
                        {
                            handle = NativeLibrary.Load(candidate);
                            _loaded[library] = handle;
                            return handle;
                        }
                        catch (DllNotFoundException e) { tried.Add(candidate + " (found, failed to load: " + OneLine(e.Message) + ")"); }
                        catch (BadImageFormatException e) { tried.Add(candidate + " (found, not a loadable library: " + OneLine(e.Message) + ")"); }
                    }
                if (_roots.TryLoaderDefault)
                    foreach (string soname in Sonames(library))
                    {
                        if (NativeLibrary.TryLoad(soname, out handle))
                        {
                            _loaded[library] = handle;
                            return handle;
                        }
                        tried.Add(soname + " (the dynamic loader's default search: not found)");
                    }
                throw new CudaUnavailableException(Sonames(library)[0], tried);
            }
        }

        private void TryLoadDependency(CudaLibrary library)
        {
            try { Load(library); }
            catch (CudaUnavailableException e) { _notes.Add(library + " not preloaded for cuDNN: " + OneLine(e.Message)); }
        }

        /// <summary>Libraries that must be resident before the main one, loaded by path from the same folder.</summary>
        private void PreloadCompanions(CudaLibrary library, string dir)
        {
            switch (library)
            {
                case CudaLibrary.Cublas:
                    // libcublas needs libcublasLt of the same major version; the wheel's folder is not on the ld path.
                    PreloadMatching(dir, "libcublasLt.so.1*");
                    break;
                case CudaLibrary.Nvrtc:
                    // NVRTC dlopens its builtins library by soname at compile time.
                    PreloadMatching(dir, "libnvrtc-builtins.so.1*");
                    break;
                case CudaLibrary.Cudnn:
                    foreach (string sub in CudnnSubLibraries)
                    {
                        string path = Path.Combine(dir, sub);
                        if (!File.Exists(path)) { _notes.Add("cuDNN sub-library " + path + " is missing"); continue; }
                        try { NativeLibrary.Load(path); }
                        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
                        {
                            _notes.Add("cuDNN sub-library " + path + " failed to load: " + OneLine(e.Message));
                        }
                    }
                    break;
            }
        }

        private void PreloadMatching(string dir, string pattern)
        {
            string[] files;
            try { files = Directory.GetFiles(dir, pattern); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
            Array.Sort(files, StringComparer.Ordinal);
            foreach (string f in files)
            {
                try { NativeLibrary.Load(f); }
                catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
                {
                    _notes.Add(f + " failed to preload: " + OneLine(e.Message));
                }
            }
        }

        private static string OneLine(string s) => s.Replace('\n', ' ').Replace('\r', ' ');

        // ---- DllImport hook -------------------------------------------------------------------------------------

        private static int s_hooked;

        /// <summary>
        /// Routes the bindings' logical library names (<see cref="CudaNative"/>) through <see cref="Shared"/>. Idempotent;
        /// called before the first native call.
        /// </summary>
        public static void EnsureHooked()
        {
            if (System.Threading.Interlocked.Exchange(ref s_hooked, 1) == 1) return;
            NativeLibrary.SetDllImportResolver(typeof(CudaLibraryResolver).Assembly, Resolve);
        }

        private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path)
        {
            CudaLibrary? library = name switch
            {
                CudaNative.DriverLibrary => CudaLibrary.Driver,
                CudaNative.NvrtcLibrary => CudaLibrary.Nvrtc,
                CudaNative.CublasLibrary => CudaLibrary.Cublas,
                CudaNative.CudnnLibrary => CudaLibrary.Cudnn,
                _ => null,
            };
            if (library is null) return 0; // not ours: the runtime's default search
            // Throwing here would surface as an odd DllNotFoundException; callers load first and get the full report.
            try { return Shared.Load(library.Value); }
            catch (CudaUnavailableException) { return 0; }
        }
    }
}
