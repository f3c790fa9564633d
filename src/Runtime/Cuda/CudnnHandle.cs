using System;

namespace CnnGen.Cuda
{
    /// <summary>A cuDNN descriptor (tensor, filter, convolution, pooling or activation).</summary>
    public sealed class CudnnDescriptor : CudaHandle
    {
        private readonly Func<nint, int> _destroy;

        private CudnnDescriptor(nint raw, Func<nint, int> destroy) : base(raw, 0) => _destroy = destroy;

        private protected override int Release(nint raw) => _destroy(raw);

        private static CudnnDescriptor Make(Func<(int Status, nint Raw)> create, Func<nint, int> destroy, string call)
        {
            CudaNative.Require(CudaLibrary.Cudnn);
            (int status, nint raw) = create();
            CudaStatus.CheckCudnn(status, call);
            return new CudnnDescriptor(raw, destroy);
        }

        /// <summary>A dense float NCHW tensor descriptor.</summary>
        public static CudnnDescriptor Tensor4d(int n, int c, int h, int w)
        {
            var d = Make(() => (Cudnn.cudnnCreateTensorDescriptor(out nint r), r), Cudnn.cudnnDestroyTensorDescriptor, "cudnnCreateTensorDescriptor");
            Set(d, Cudnn.cudnnSetTensor4dDescriptor(d.Raw, Cudnn.TensorNchw, Cudnn.DataFloat, n, c, h, w), "cudnnSetTensor4dDescriptor", n, c, h, w);
            return d;
        }

        /// <summary>A float KCRS filter descriptor (out channels, in channels, kernel height, kernel width), PyTorch's layout.</summary>
        public static CudnnDescriptor Filter4d(int k, int c, int h, int w)
        {
            var d = Make(() => (Cudnn.cudnnCreateFilterDescriptor(out nint r), r), Cudnn.cudnnDestroyFilterDescriptor, "cudnnCreateFilterDescriptor");
            Set(d, Cudnn.cudnnSetFilter4dDescriptor(d.Raw, Cudnn.DataFloat, Cudnn.TensorNchw, k, c, h, w), "cudnnSetFilter4dDescriptor", k, c, h, w);
            return d;
        }

        /// <summary>A 2-D cross-correlation (PyTorch's Conv2d) with float accumulation and FMA math (no TF32).</summary>
        public static CudnnDescriptor Convolution2d(int padH, int padW, int strideH, int strideW, int dilationH, int dilationW)
        {
            var d = Make(() => (Cudnn.cudnnCreateConvolutionDescriptor(out nint r), r), Cudnn.cudnnDestroyConvolutionDescriptor, "cudnnCreateConvolutionDescriptor");
            Set(d, Cudnn.cudnnSetConvolution2dDescriptor(d.Raw, padH, padW, strideH, strideW, dilationH, dilationW, Cudnn.CrossCorrelation, Cudnn.DataFloat),
                "cudnnSetConvolution2dDescriptor", padH, padW, strideH, strideW);
            Set(d, Cudnn.cudnnSetConvolutionMathType(d.Raw, Cudnn.FmaMath), "cudnnSetConvolutionMathType(CUDNN_FMA_MATH)");
            return d;
        }

        /// <summary>A 2-D pooling descriptor; <paramref name="mode"/> is a cudnnPoolingMode_t (0 max, 1/2 average).</summary>
        public static CudnnDescriptor Pooling2d(int mode, int windowH, int windowW, int padH, int padW, int strideH, int strideW)
        {
            var d = Make(() => (Cudnn.cudnnCreatePoolingDescriptor(out nint r), r), Cudnn.cudnnDestroyPoolingDescriptor, "cudnnCreatePoolingDescriptor");
            // NaN propagates as in PyTorch's max pooling.
            Set(d, Cudnn.cudnnSetPooling2dDescriptor(d.Raw, mode, Cudnn.PropagateNan, windowH, windowW, padH, padW, strideH, strideW),
                "cudnnSetPooling2dDescriptor", windowH, windowW, strideH, strideW);
            return d;
        }

        /// <summary>An activation descriptor; <paramref name="mode"/> is a cudnnActivationMode_t (1 = ReLU).</summary>
        public static CudnnDescriptor Activation(int mode, double coef = 0)
        {
            var d = Make(() => (Cudnn.cudnnCreateActivationDescriptor(out nint r), r), Cudnn.cudnnDestroyActivationDescriptor, "cudnnCreateActivationDescriptor");
            Set(d, Cudnn.cudnnSetActivationDescriptor(d.Raw, mode, Cudnn.PropagateNan, coef), "cudnnSetActivationDescriptor");
            return d;
        }

        private static void Set(CudnnDescriptor d, int status, string call, params int[] dims)
        {
            if (status == 0) return;
            d.Dispose();
            string shown = dims.Length == 0 ? call : call + "(" + string.Join(", ", dims) + ")";
            throw CudaStatus.CudnnError(status, shown);
        }
    }

    /// <summary>A cuDNN context bound to one stream, with the convolution calls the generated code makes.</summary>
    public sealed unsafe class CudnnHandle : CudaHandle
    {
        private CudnnHandle(nint handle, nint context) : base(handle, context) { }

        /// <summary>Creates a handle in <paramref name="device"/>'s context bound to <paramref name="stream"/>.</summary>
        public static CudnnHandle Create(CudaDevice device, CudaStream stream)
        {
            ArgumentNullException.ThrowIfNull(device);
            ArgumentNullException.ThrowIfNull(stream);
            CudaNative.Require(CudaLibrary.Cudnn);
            device.MakeCurrent();
            CudaStatus.CheckCudnn(Cudnn.cudnnCreate(out nint h), "cudnnCreate");
            var handle = new CudnnHandle(h, device.Context);
            int status = Cudnn.cudnnSetStream(h, stream.Raw);
            if (status != 0)
            {
                handle.Dispose();
                throw CudaStatus.CudnnError(status, "cudnnSetStream");
            }
            return handle;
        }

        /// <summary>cuDNN's version as a number (9xxyy for 9.x.y).</summary>
        public static long Version()
        {
            CudaNative.Require(CudaLibrary.Cudnn);
            return (long)Cudnn.cudnnGetVersion();
        }

        /// <summary>The fastest forward algorithm cuDNN's heuristics rank first that succeeds, and its workspace in bytes.</summary>
        public (int Algorithm, long WorkspaceBytes) ChooseForward(CudnnDescriptor x, CudnnDescriptor w, CudnnDescriptor conv, CudnnDescriptor y)
        {
            const int Max = 8;
            CudnnConvAlgoPerf* perf = stackalloc CudnnConvAlgoPerf[Max];
            CudaStatus.CheckCudnn(Cudnn.cudnnGetConvolutionForwardAlgorithm_v7(Raw, x.Raw, w.Raw, conv.Raw, y.Raw, Max, out int count, perf),
                                  "cudnnGetConvolutionForwardAlgorithm_v7");
            for (int i = 0; i < count; i++)
            {
                if (perf[i].Status != 0) continue;
                CudaStatus.CheckCudnn(Cudnn.cudnnGetConvolutionForwardWorkspaceSize(Raw, x.Raw, w.Raw, conv.Raw, y.Raw, perf[i].Algo, out nuint bytes),
                                      "cudnnGetConvolutionForwardWorkspaceSize");
                return (perf[i].Algo, (long)bytes);
            }
            throw new CudaException(CudaApi.Cudnn, "cudnnGetConvolutionForwardAlgorithm_v7", "cuDNN offered no usable forward convolution algorithm for these shapes.");
        }

        /// <summary>y = conv(x, w) (beta = 0: y is overwritten).</summary>
        public void ConvolutionForward(CudnnDescriptor xDesc, DeviceBuffer x, CudnnDescriptor wDesc, DeviceBuffer w, CudnnDescriptor conv,
                                       int algorithm, DeviceBuffer? workspace, CudnnDescriptor yDesc, DeviceBuffer y)
        {
            float alpha = 1, beta = 0;
            CudaStatus.CheckCudnn(Cudnn.cudnnConvolutionForward(Raw, &alpha, xDesc.Raw, x.Pointer, wDesc.Raw, w.Pointer, conv.Raw, algorithm,
                                                                workspace?.Pointer ?? 0, (nuint)(workspace?.Bytes ?? 0), &beta, yDesc.Raw, y.Pointer),
                                  "cudnnConvolutionForward");
        }

        /// <summary>y += bias broadcast over N, H, W (bias described as 1×C×1×1).</summary>
        public void AddBias(CudnnDescriptor biasDesc, DeviceBuffer bias, CudnnDescriptor yDesc, DeviceBuffer y)
        {
            float alpha = 1, beta = 1;
            CudaStatus.CheckCudnn(Cudnn.cudnnAddTensor(Raw, &alpha, biasDesc.Raw, bias.Pointer, &beta, yDesc.Raw, y.Pointer), "cudnnAddTensor");
        }

        private protected override int Release(nint raw) => Cudnn.cudnnDestroy(raw);
    }
}
