using System;

namespace CnnGen.Training
{
    /// <summary>
    /// A copy of a network's parameters and buffers in memory: what a refused checkpoint load puts back, and the
    /// best weights that early stopping restores.
    /// </summary>
    public sealed class WeightSnapshot
    {
        private readonly float[][] _parameters;
        private readonly float[][] _buffers;

        private WeightSnapshot(float[][] parameters, float[][] buffers)
        {
            _parameters = parameters;
            _buffers = buffers;
        }

        /// <summary>Copies every parameter and buffer of <paramref name="model"/>.</summary>
        public static WeightSnapshot Capture(INetwork model)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            var p = new float[model.Parameters.Count][];
            for (int i = 0; i < p.Length; i++) p[i] = model.Parameters[i].Data.ToArray();
            var b = new float[model.Buffers.Count][];
            for (int i = 0; i < b.Length; i++) b[i] = model.Buffers[i].Data.ToArray();
            return new WeightSnapshot(p, b);
        }

        /// <summary>Copies the snapshot back into <paramref name="model"/> (the network it was taken from, or one of the same class).</summary>
        public void Restore(INetwork model)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            if (model.Parameters.Count != _parameters.Length || model.Buffers.Count != _buffers.Length)
                throw new ArgumentException($"The snapshot has {_parameters.Length} parameters and {_buffers.Length} buffers; {model.Name} has {model.Parameters.Count} and {model.Buffers.Count}.", nameof(model));
            for (int i = 0; i < _parameters.Length; i++) _parameters[i].CopyTo(model.Parameters[i].Data);
            for (int i = 0; i < _buffers.Length; i++) _buffers[i].CopyTo(model.Buffers[i].Data);
        }

        /// <summary>Copies <paramref name="model"/>'s current weights into this snapshot (no allocation).</summary>
        public void Update(INetwork model)
        {
            if (model is null) throw new ArgumentNullException(nameof(model));
            for (int i = 0; i < _parameters.Length; i++) model.Parameters[i].Data.CopyTo(_parameters[i]);
            for (int i = 0; i < _buffers.Length; i++) model.Buffers[i].Data.CopyTo(_buffers[i]);
        }
    }
}
