using System;
using System.Globalization;

namespace CnnGen.Serialization
{
    /// <summary>Finds NaN and infinite values in a stored tensor, for loaders that refuse them.</summary>
    internal static class NonFinite
    {
        /// <summary>
        /// Null when every value of float tensor <paramref name="tensor"/> is finite (integer tensors always are);
        /// otherwise "3 NaN and 1 infinite values, the first at index 17".
        /// </summary>
        public static string? Describe(SafetensorsFile file, SafetensorsTensorInfo tensor)
        {
            if (tensor.DType is not (SafetensorsDType.F32 or SafetensorsDType.F64 or SafetensorsDType.F16 or SafetensorsDType.BF16)) return null;
            double[] values = file.ReadDouble(tensor.Name);
            long nan = 0, infinite = 0, first = -1;
            for (long i = 0; i < values.Length; i++)
            {
                double v = values[i];
                if (double.IsFinite(v)) continue;
                if (double.IsNaN(v)) nan++; else infinite++;
                if (first < 0) first = i;
            }
            if (first < 0) return null;
            string what = nan > 0 && infinite > 0 ? $"{nan} NaN and {infinite} infinite values"
                        : nan > 0 ? $"{nan} NaN value{(nan == 1 ? "" : "s")}"
                        : $"{infinite} infinite value{(infinite == 1 ? "" : "s")}";
            return string.Format(CultureInfo.InvariantCulture, "{0}, the first at flat index {1}", what, first);
        }
    }
}
