"""The batch optimiser's internals: the model, its bounds and its searches.

Private to `matching.solver`, which composes them into one lexicographic solve; nothing
else in the product should import from here, and this package re-exports nothing.
"""
