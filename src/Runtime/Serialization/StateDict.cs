using System;
using System.Collections.Generic;

namespace CnnGen.Serialization
{
    /// <summary>Placeholder until the safetensors implementation lands (replaced by the serialization branch).</summary>
    public static class StateDict
    {
        public static void Save(string path, IReadOnlyList<Parameter> parameters, IReadOnlyList<ModelBuffer> buffers) => throw new NotImplementedException();

        public static void Load(string path, IReadOnlyList<Parameter> parameters, IReadOnlyList<ModelBuffer> buffers) => throw new NotImplementedException();
    }
}
