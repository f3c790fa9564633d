using System;

namespace CnnGen.Serialization
{
    /// <summary>Element types of the safetensors format, named as the format names them in its header.</summary>
    public enum SafetensorsDType
    {
        /// <summary>64-bit IEEE float.</summary>
        F64,
        /// <summary>32-bit IEEE float.</summary>
        F32,
        /// <summary>16-bit IEEE float (read-only conversion to float).</summary>
        F16,
        /// <summary>bfloat16: the top 16 bits of a float (read-only conversion to float).</summary>
        BF16,
        /// <summary>64-bit signed integer.</summary>
        I64,
        /// <summary>32-bit signed integer.</summary>
        I32,
        /// <summary>16-bit signed integer.</summary>
        I16,
        /// <summary>8-bit signed integer.</summary>
        I8,
        /// <summary>8-bit unsigned integer.</summary>
        U8,
        /// <summary>One byte per value, 0 or 1.</summary>
        BOOL,
    }

    /// <summary>Sizes and header names of <see cref="SafetensorsDType"/>.</summary>
    public static class SafetensorsDTypes
    {
        /// <summary>Bytes per element.</summary>
        public static int SizeOf(SafetensorsDType dtype) => dtype switch
        {
            SafetensorsDType.F64 or SafetensorsDType.I64 => 8,
            SafetensorsDType.F32 or SafetensorsDType.I32 => 4,
            SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.I16 => 2,
            SafetensorsDType.I8 or SafetensorsDType.U8 or SafetensorsDType.BOOL => 1,
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
        };

        /// <summary>The name the header uses ("F32", "I64", ...).</summary>
        public static string ToHeaderName(SafetensorsDType dtype) => dtype switch
        {
            SafetensorsDType.F64 => "F64",
            SafetensorsDType.F32 => "F32",
            SafetensorsDType.F16 => "F16",
            SafetensorsDType.BF16 => "BF16",
            SafetensorsDType.I64 => "I64",
            SafetensorsDType.I32 => "I32",
            SafetensorsDType.I16 => "I16",
            SafetensorsDType.I8 => "I8",
            SafetensorsDType.U8 => "U8",
            SafetensorsDType.BOOL => "BOOL",
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
        };

        /// <summary>Parses a header dtype name; false for one this reader does not know (U16, F8_E4M3, ...).</summary>
        public static bool TryParse(string name, out SafetensorsDType dtype)
        {
            // No Enum.Parse: it is case-insensitive on request only and reflection-backed; the set is small.
            switch (name)
            {
                case "F64": dtype = SafetensorsDType.F64; return true;
                case "F32": dtype = SafetensorsDType.F32; return true;
                case "F16": dtype = SafetensorsDType.F16; return true;
                case "BF16": dtype = SafetensorsDType.BF16; return true;
                case "I64": dtype = SafetensorsDType.I64; return true;
                case "I32": dtype = SafetensorsDType.I32; return true;
                case "I16": dtype = SafetensorsDType.I16; return true;
                case "I8": dtype = SafetensorsDType.I8; return true;
                case "U8": dtype = SafetensorsDType.U8; return true;
                case "BOOL": dtype = SafetensorsDType.BOOL; return true;
                default: dtype = default; return false;
            }
        }

        /// <summary>True for F64, F32, F16 and BF16.</summary>
        public static bool IsFloatingPoint(SafetensorsDType dtype)
            => dtype is SafetensorsDType.F64 or SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16;
    }
}
