using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen.Cuda;
using Xunit;

namespace CnnGen.Tests.Cuda
{
    /// <summary>Search order and messages, on a fake tree of empty files (runs everywhere, no GPU needed).</summary>
    public sealed class CudaLibraryResolverTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "cnngen-cuda-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        }

        private string Dir(string relative)
        {
            string d = Path.Combine(_root, relative);
            Directory.CreateDirectory(d);
            return d;
        }

        private string Touch(string relative)
        {
            string f = Path.Combine(_root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(f)!);
            File.WriteAllBytes(f, Array.Empty<byte>());
            return f;
        }

        private CudaSearchRoots Roots(string? user = null) => new()
        {
            UserDirectories = CudaSearchRoots.SplitPathList(user),
            SystemDirectories = new[] { Dir("usr/local/cuda/lib64"), Dir("usr/lib/x86_64-linux-gnu") },
            PythonLibDirectories = new[] { Dir("opt/torch/.venv/lib"), Dir("home/.local/lib") },
            TryLoaderDefault = false,
        };

        [Fact]
        public void Search_order_is_user_then_system_then_pip_wheels_newest_python_first()
        {
            Dir("opt/torch/.venv/lib/python3.9/site-packages");
            Dir("opt/torch/.venv/lib/python3.12/site-packages");
            string a = Dir("a"), b = Dir("b");
            var resolver = new CudaLibraryResolver(Roots(a + ":" + b));

            IReadOnlyList<string> dirs = resolver.SearchDirectories(CudaLibrary.Cublas);

            string venv = Path.Combine(_root, "opt/torch/.venv/lib");
            var expectedStart = new[]
            {
                a, b, Path.Combine(_root, "usr/local/cuda/lib64"), Path.Combine(_root, "usr/lib/x86_64-linux-gnu"),
                Path.Combine(venv, "python3.12/site-packages/nvidia/cu13/lib"),
                Path.Combine(venv, "python3.12/site-packages/nvidia/cublas/lib"),
                Path.Combine(venv, "python3.12/dist-packages/nvidia/cu13/lib"),
                Path.Combine(venv, "python3.12/dist-packages/nvidia/cublas/lib"),
                Path.Combine(venv, "python3.9/site-packages/nvidia/cu13/lib"),
            };
            Assert.Equal(expectedStart, dirs.Take(expectedStart.Length));
        }

        [Fact]
        public void Driver_is_never_searched_in_pip_wheels()
        {
            Dir("opt/torch/.venv/lib/python3.12/site-packages");
            var resolver = new CudaLibraryResolver(Roots());
            Assert.DoesNotContain(resolver.SearchDirectories(CudaLibrary.Driver), d => d.Contains("site-packages", StringComparison.Ordinal));
        }

        [Fact]
        public void Finds_the_wheel_copy_and_prefers_CUDA_13_over_12_in_one_folder()
        {
            string lib = "opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/";
            Touch(lib + "libnvrtc.so.12");
            string v13 = Touch(lib + "libnvrtc.so.13");
            var probe = new CudaLibraryResolver(Roots()).Find(CudaLibrary.Nvrtc);
            Assert.Equal(v13, probe.Path);
        }

        [Fact]
        public void The_user_folder_wins_over_a_system_copy()
        {
            Touch("usr/local/cuda/lib64/libcublas.so.13");
            string mine = Touch("mine/libcublas.so.12");
            var probe = new CudaLibraryResolver(Roots(Path.Combine(_root, "mine"))).Find(CudaLibrary.Cublas);
            Assert.Equal(mine, probe.Path);
        }

        [Fact]
        public void Probe_reports_every_candidate_in_order()
        {
            var probe = new CudaLibraryResolver(Roots()).Find(CudaLibrary.Driver);
            Assert.Null(probe.Path);
            Assert.Equal(new[]
            {
                Path.Combine(_root, "usr/local/cuda/lib64/libcuda.so.1") + " (missing)",
                Path.Combine(_root, "usr/local/cuda/lib64/libcuda.so") + " (missing)",
                Path.Combine(_root, "usr/lib/x86_64-linux-gnu/libcuda.so.1") + " (missing)",
                Path.Combine(_root, "usr/lib/x86_64-linux-gnu/libcuda.so") + " (missing)",
            }, probe.Tried);
        }

        [Fact]
        public void Nothing_found_throws_listing_every_place_and_the_variable_to_set()
        {
            var resolver = new CudaLibraryResolver(Roots());
            var e = Assert.Throws<CudaUnavailableException>(() => resolver.Load(CudaLibrary.Cudnn));
            Assert.Equal("libcudnn.so.9", e.Library);
            Assert.Contains("CNNGEN_CUDA_PATH", e.Message, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(_root, "usr/local/cuda/lib64/libcudnn.so.9") + " (missing)", e.Message, StringComparison.Ordinal);
            Assert.Equal(e.Tried.Count, e.Message.Split('\n').Length - 1);
        }

        [Fact]
        public void A_present_but_broken_file_is_reported_and_the_search_goes_on()
        {
            string broken = Touch("usr/local/cuda/lib64/libcuda.so.1"); // an empty file is not a shared object
            var resolver = new CudaLibraryResolver(Roots());
            var e = Assert.Throws<CudaUnavailableException>(() => resolver.Load(CudaLibrary.Driver));
            string line = Assert.Single(e.Tried, t => t.StartsWith(broken + " (found", StringComparison.Ordinal));
            Assert.Contains("failed to load", line, StringComparison.Ordinal);
            Assert.Contains(e.Tried, t => t.StartsWith(Path.Combine(_root, "usr/lib/x86_64-linux-gnu/libcuda.so.1"), StringComparison.Ordinal));
            Assert.False(resolver.IsLoaded(CudaLibrary.Driver));
        }

        [Fact]
        public void Missing_cudnn_sub_libraries_are_noted_when_the_main_library_is_tried()
        {
            Touch("cudnn/libcudnn.so.9");
            Touch("cudnn/libcudnn_graph.so.9");
            var resolver = new CudaLibraryResolver(Roots(Path.Combine(_root, "cudnn")));
            Assert.Throws<CudaUnavailableException>(() => resolver.Load(CudaLibrary.Cudnn)); // empty files never load
            Assert.Contains(resolver.Notes, n => n.Contains("libcudnn_ops.so.9 is missing", StringComparison.Ordinal));
            Assert.Contains(resolver.Notes, n => n.Contains("libcudnn_graph.so.9 failed to load", StringComparison.Ordinal));
        }

        [Fact]
        public void Path_list_splits_on_colons_and_drops_empty_entries()
        {
            Assert.Equal(new[] { "/a", "/b c" }, CudaSearchRoots.SplitPathList(":/a:: /b c :"));
            Assert.Empty(CudaSearchRoots.SplitPathList(null));
            Assert.Empty(CudaSearchRoots.SplitPathList("  "));
        }
    }
}
