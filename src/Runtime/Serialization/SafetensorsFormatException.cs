using System.IO;

namespace CnnGen.Serialization
{
    /// <summary>
    /// A safetensors file that is malformed, or that does not match what it is being loaded into.
    /// The message names the file and, where one is to blame, the tensor. An <see cref="IOException"/>, so
    /// callers that handle "could not load the file" in one place catch it with the rest.
    /// </summary>
    public sealed class SafetensorsFormatException : IOException
    {
        /// <summary>Creates the exception; the message is prefixed with the file and tensor names.</summary>
        public SafetensorsFormatException(string filePath, string? tensorName, string problem)
            : base(Compose(filePath, tensorName, problem))
        {
            FilePath = filePath;
            TensorName = tensorName;
        }

        /// <summary>The file (or, for in-memory data, the source name given to the parser).</summary>
        public string FilePath { get; }

        /// <summary>The tensor at fault, or null for a problem with the file as a whole.</summary>
        public string? TensorName { get; }

        private static string Compose(string filePath, string? tensorName, string problem)
            => tensorName is null
                ? $"Safetensors file '{filePath}': {problem}"
                : $"Safetensors file '{filePath}', tensor '{tensorName}': {problem}";
    }
}
