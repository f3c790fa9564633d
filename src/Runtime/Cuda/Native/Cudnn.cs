using System.Runtime.InteropServices;

namespace CnnGen.Cuda
{
    /// <summary>
    /// The result rows of cudnnGet*Algorithm_v7: cudnnConvolutionFwdAlgoPerf_t, …BwdDataAlgoPerf_t and
    /// …BwdFilterAlgoPerf_t share this layout { algo; status; float time; size_t memory; determinism; mathType; int reserved[3]; }.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CudnnConvAlgoPerf
    {
        public int Algo;
        public int Status;
        public float Time;
        public nuint Memory;
        public int Determinism;
        public int MathType;
        public int Reserved0, Reserved1, Reserved2;
    }

    /// <summary>
    /// cuDNN 9's legacy (descriptor) API, exported by libcudnn.so.9 (which forwards to the ops/cnn sub-libraries).
    /// Every handle and descriptor is an opaque pointer (nint); device data pointers are ulong; alpha/beta scaling
    /// factors are host pointers to float for float tensors.
    /// </summary>
    internal static unsafe partial class Cudnn
    {
        private const string Lib = CudaNative.CudnnLibrary;

        /// <summary>cudnnDataType_t / cudnnTensorFormat_t.</summary>
        public const int DataFloat = 0, TensorNchw = 0;
        /// <summary>cudnnConvolutionMode_t: PyTorch's conv is a cross-correlation.</summary>
        public const int CrossCorrelation = 1;
        /// <summary>cudnnMathType_t: FMA_MATH forbids tensor-core (TF32) paths, so FP32 results stay FP32.</summary>
        public const int DefaultMath = 0, TensorOpMath = 1, FmaMath = 3;
        /// <summary>cudnnPoolingMode_t.</summary>
        public const int PoolingMax = 0, PoolingAverageIncludePadding = 1, PoolingAverageExcludePadding = 2, PoolingMaxDeterministic = 3;
        /// <summary>cudnnNanPropagation_t.</summary>
        public const int NotPropagateNan = 0, PropagateNan = 1;
        /// <summary>cudnnActivationMode_t.</summary>
        public const int ActivationSigmoid = 0, ActivationRelu = 1, ActivationTanh = 2, ActivationIdentity = 5;
        /// <summary>cudnnBatchNormMode_t: SPATIAL is BatchNorm2d (one statistic per channel); PER_ACTIVATION is BatchNorm1d.</summary>
        public const int BatchNormPerActivation = 0, BatchNormSpatial = 1;

        [LibraryImport(Lib)] public static partial nuint cudnnGetVersion();
        [LibraryImport(Lib)] public static partial nint cudnnGetErrorString(int status);
        [LibraryImport(Lib)] public static partial int cudnnCreate(out nint handle);
        [LibraryImport(Lib)] public static partial int cudnnDestroy(nint handle);
        [LibraryImport(Lib)] public static partial int cudnnSetStream(nint handle, nint streamId);

        // Tensor descriptors
        [LibraryImport(Lib)] public static partial int cudnnCreateTensorDescriptor(out nint tensorDesc);
        [LibraryImport(Lib)] public static partial int cudnnDestroyTensorDescriptor(nint tensorDesc);
        [LibraryImport(Lib)] public static partial int cudnnSetTensor4dDescriptor(nint tensorDesc, int format, int dataType, int n, int c, int h, int w);

        // Filter descriptors (note: data type before format, unlike the tensor setter)
        [LibraryImport(Lib)] public static partial int cudnnCreateFilterDescriptor(out nint filterDesc);
        [LibraryImport(Lib)] public static partial int cudnnDestroyFilterDescriptor(nint filterDesc);
        [LibraryImport(Lib)] public static partial int cudnnSetFilter4dDescriptor(nint filterDesc, int dataType, int format, int k, int c, int h, int w);

        // Convolution descriptors
        [LibraryImport(Lib)] public static partial int cudnnCreateConvolutionDescriptor(out nint convDesc);
        [LibraryImport(Lib)] public static partial int cudnnDestroyConvolutionDescriptor(nint convDesc);
        [LibraryImport(Lib)]
        public static partial int cudnnSetConvolution2dDescriptor(nint convDesc, int padH, int padW, int u, int v,
                                                                  int dilationH, int dilationW, int mode, int computeType);
        [LibraryImport(Lib)] public static partial int cudnnSetConvolutionMathType(nint convDesc, int mathType);
        [LibraryImport(Lib)]
        public static partial int cudnnGetConvolution2dForwardOutputDim(nint convDesc, nint inputTensorDesc, nint filterDesc,
                                                                        out int n, out int c, out int h, out int w);

        // Convolution forward
        [LibraryImport(Lib)]
        public static partial int cudnnGetConvolutionForwardAlgorithm_v7(nint handle, nint xDesc, nint wDesc, nint convDesc, nint yDesc,
                                                                         int requestedAlgoCount, out int returnedAlgoCount, CudnnConvAlgoPerf* perfResults);
        [LibraryImport(Lib)]
        public static partial int cudnnGetConvolutionForwardWorkspaceSize(nint handle, nint xDesc, nint wDesc, nint convDesc, nint yDesc,
                                                                          int algo, out nuint sizeInBytes);
        [LibraryImport(Lib)]
        public static partial int cudnnConvolutionForward(nint handle, float* alpha, nint xDesc, ulong x, nint wDesc, ulong w,
                                                          nint convDesc, int algo, ulong workSpace, nuint workSpaceSizeInBytes,
                                                          float* beta, nint yDesc, ulong y);

        // Convolution backward data (dx from dy and w)
        [LibraryImport(Lib)]
        public static partial int cudnnGetConvolutionBackwardDataAlgorithm_v7(nint handle, nint wDesc, nint dyDesc, nint convDesc, nint dxDesc,
                                                                              int requestedAlgoCount, out int returnedAlgoCount, CudnnConvAlgoPerf* perfResults);
        [LibraryImport(Lib)]
        public static partial int cudnnGetConvolutionBackwardDataWorkspaceSize(nint handle, nint wDesc, nint dyDesc, nint convDesc, nint dxDesc,
                                                                               int algo, out nuint sizeInBytes);
        [LibraryImport(Lib)]
        public static partial int cudnnConvolutionBackwardData(nint handle, float* alpha, nint wDesc, ulong w, nint dyDesc, ulong dy,
                                                               nint convDesc, int algo, ulong workSpace, nuint workSpaceSizeInBytes,
                                                               float* beta, nint dxDesc, ulong dx);

        // Convolution backward filter (dw from x and dy)
        [LibraryImport(Lib)]
        public static partial int cudnnGetConvolutionBackwardFilterAlgorithm_v7(nint handle, nint xDesc, nint dyDesc, nint convDesc, nint dwDesc,
                                                                                int requestedAlgoCount, out int returnedAlgoCount, CudnnConvAlgoPerf* perfResults);
        [LibraryImport(Lib)]
        public static partial int cudnnGetConvolutionBackwardFilterWorkspaceSize(nint handle, nint xDesc, nint dyDesc, nint convDesc, nint gradDesc,
                                                                                 int algo, out nuint sizeInBytes);
        [LibraryImport(Lib)]
        public static partial int cudnnConvolutionBackwardFilter(nint handle, float* alpha, nint xDesc, ulong x, nint dyDesc, ulong dy,
                                                                 nint convDesc, int algo, ulong workSpace, nuint workSpaceSizeInBytes,
                                                                 float* beta, nint dwDesc, ulong dw);
        [LibraryImport(Lib)]
        public static partial int cudnnConvolutionBackwardBias(nint handle, float* alpha, nint dyDesc, ulong dy, float* beta, nint dbDesc, ulong db);

        // C = alpha·A + beta·C with broadcasting (bias add: A is 1×C×1×1)
        [LibraryImport(Lib)]
        public static partial int cudnnAddTensor(nint handle, float* alpha, nint aDesc, ulong a, float* beta, nint cDesc, ulong c);

        // Pooling
        [LibraryImport(Lib)] public static partial int cudnnCreatePoolingDescriptor(out nint poolingDesc);
        [LibraryImport(Lib)] public static partial int cudnnDestroyPoolingDescriptor(nint poolingDesc);
        [LibraryImport(Lib)]
        public static partial int cudnnSetPooling2dDescriptor(nint poolingDesc, int mode, int maxpoolingNanOpt, int windowHeight, int windowWidth,
                                                              int verticalPadding, int horizontalPadding, int verticalStride, int horizontalStride);
        [LibraryImport(Lib)]
        public static partial int cudnnPoolingForward(nint handle, nint poolingDesc, float* alpha, nint xDesc, ulong x, float* beta, nint yDesc, ulong y);
        [LibraryImport(Lib)]
        public static partial int cudnnPoolingBackward(nint handle, nint poolingDesc, float* alpha, nint yDesc, ulong y, nint dyDesc, ulong dy,
                                                       nint xDesc, ulong x, float* beta, nint dxDesc, ulong dx);

        // Activation
        [LibraryImport(Lib)] public static partial int cudnnCreateActivationDescriptor(out nint activationDesc);
        [LibraryImport(Lib)] public static partial int cudnnDestroyActivationDescriptor(nint activationDesc);
        [LibraryImport(Lib)] public static partial int cudnnSetActivationDescriptor(nint activationDesc, int mode, int reluNanOpt, double coef);
        [LibraryImport(Lib)]
        public static partial int cudnnActivationForward(nint handle, nint activationDesc, float* alpha, nint xDesc, ulong x, float* beta, nint yDesc, ulong y);
        [LibraryImport(Lib)]
        public static partial int cudnnActivationBackward(nint handle, nint activationDesc, float* alpha, nint yDesc, ulong y, nint dyDesc, ulong dy,
                                                          nint xDesc, ulong x, float* beta, nint dxDesc, ulong dx);

        // Batch normalisation
        [LibraryImport(Lib)] public static partial int cudnnDeriveBNTensorDescriptor(nint derivedBnDesc, nint xDesc, int mode);
        [LibraryImport(Lib)]
        public static partial int cudnnBatchNormalizationForwardTraining(nint handle, int mode, float* alpha, float* beta,
                                                                         nint xDesc, ulong x, nint yDesc, ulong y, nint bnScaleBiasMeanVarDesc,
                                                                         ulong bnScale, ulong bnBias, double exponentialAverageFactor,
                                                                         ulong resultRunningMean, ulong resultRunningVariance, double epsilon,
                                                                         ulong resultSaveMean, ulong resultSaveInvVariance);
        [LibraryImport(Lib)]
        public static partial int cudnnBatchNormalizationForwardInference(nint handle, int mode, float* alpha, float* beta,
                                                                          nint xDesc, ulong x, nint yDesc, ulong y, nint bnScaleBiasMeanVarDesc,
                                                                          ulong bnScale, ulong bnBias, ulong estimatedMean, ulong estimatedVariance, double epsilon);
        [LibraryImport(Lib)]
        public static partial int cudnnBatchNormalizationBackward(nint handle, int mode, float* alphaDataDiff, float* betaDataDiff,
                                                                  float* alphaParamDiff, float* betaParamDiff, nint xDesc, ulong x,
                                                                  nint dyDesc, ulong dy, nint dxDesc, ulong dx, nint dBnScaleBiasDesc,
                                                                  ulong bnScale, ulong dBnScaleResult, ulong dBnBiasResult, double epsilon,
                                                                  ulong savedMean, ulong savedInvVariance);
    }
}
