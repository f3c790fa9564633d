using System;
using System.Collections.Generic;
using CnnGen.Data;
using CnnGen.Training;

namespace CnnGen.Samples
{
    /// <summary>The end-of-training figures every classification sample prints or draws.</summary>
    public static class SampleResults
    {
        /// <summary>
        /// After Ctrl+C the trainer has saved a checkpoint after the last step: says how to continue and returns true,
        /// so the sample stops rather than evaluate half-trained weights.
        /// </summary>
        public static bool Interrupted(FitResult fit, SampleOptions options)
        {
            if (!fit.Interrupted) return false;
            Console.WriteLine($"Interrupted: the checkpoint in {System.IO.Path.Combine(options.OutputDirectory, "checkpoint")} continues with --resume.");
            return true;
        }

        /// <summary>The model's predicted class for each of the first <paramref name="count"/> images of <paramref name="dataset"/>.</summary>
        public static List<int> PredictFirst(INetwork model, InMemoryDataset dataset, int count)
        {
            var logits = new float[count * model.OutputSize];
            model.Predict(dataset.Images.AsSpan(0, count * model.InputSize), count, logits);
            var predicted = new List<int>(count);
            for (int i = 0; i < count; i++) predicted.Add(Evaluation.ArgMax(logits.AsSpan(i * model.OutputSize, model.OutputSize)));
            return predicted;
        }

        /// <summary>Computes and prints the test set's confusion matrix; returns it for its accuracy.</summary>
        public static ConfusionMatrix PrintConfusion(INetwork model, DataLoader test)
        {
            var confusion = ConfusionMatrix.Compute(model, test);
            Console.WriteLine();
            Console.WriteLine("Confusion matrix on the test set (rows: label, columns: predicted):");
            confusion.Print();
            return confusion;
        }
    }
}
