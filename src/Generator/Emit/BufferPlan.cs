using System.Collections.Generic;
using CnnGen.Generator.Model;
using CnnGen.Generator.Shapes;

namespace CnnGen.Generator.Emit
{
    /// <summary>
    /// Decides, per layer, which activation and gradient buffer holds its output, and which layers fold
    /// into a neighbour. Flatten is a view (no copy); a ReLU right after Conv2d or Linear runs in that
    /// layer's epilogue and its backward is the mask the producer applies to dY.
    /// </summary>
    internal sealed class ActivationLayout
    {
        public ActivationLayout(NetworkPlan plan)
        {
            var layers = plan.Layers;
            Output = new string[layers.Count];
            Gradient = new string[layers.Count];
            FusedInto = new int[layers.Count];
            FusedRelu = new bool[layers.Count];
            for (int i = 0; i < layers.Count; i++)
            {
                FusedInto[i] = -1;
                var layer = layers[i];
                string prevOut = i == 0 ? "x" : Output[i - 1];
                string prevGrad = i == 0 ? "" : Gradient[i - 1];
                bool foldRelu = layer.Kind == LayerKind.ReLU && i > 0
                    && (layers[i - 1].Kind == LayerKind.Conv2d || layers[i - 1].Kind == LayerKind.Linear)
                    && !FusedRelu[i - 1];
                if (foldRelu)
                {
                    FusedRelu[i - 1] = true;
                    FusedInto[i] = i - 1;
                    Output[i] = prevOut;
                    Gradient[i] = prevGrad;
                }
                else if (layer.Kind == LayerKind.Flatten)
                {
                    Output[i] = prevOut;
                    Gradient[i] = prevGrad;
                }
                else
                {
                    Output[i] = "a" + i;
                    Gradient[i] = "g" + i;
                }
            }

            // Backward stops at the first layer with parameters: nothing before it needs a gradient.
            FirstTrainable = layers.Count;
            for (int i = 0; i < layers.Count; i++)
                if (layers[i].Parameters.Count > 0) { FirstTrainable = i; break; }
        }

        /// <summary>Local name of the view holding layer i's output ("x" is the input).</summary>
        public string[] Output { get; }

        /// <summary>Local name of the view holding dLoss/d(output of layer i).</summary>
        public string[] Gradient { get; }

        /// <summary>For a ReLU folded into its producer, the producer's index; else −1.</summary>
        public int[] FusedInto { get; }

        /// <summary>Whether layer i (Conv2d or Linear) applies ReLU in its epilogue.</summary>
        public bool[] FusedRelu { get; }

        /// <summary>Index of the first layer with parameters; layers before it run no backward.</summary>
        public int FirstTrainable { get; }

        /// <summary>Whether layer i owns its output buffer (rather than viewing its producer's).</summary>
        public bool OwnsOutput(int i) => Output[i] == "a" + i;

        /// <summary>The gradient buffer layer i writes as dX: empty before the first trainable layer.</summary>
        public string InputGradient(int i) => i <= FirstTrainable || i == 0 ? "" : Gradient[i - 1];
    }
}
