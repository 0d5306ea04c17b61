"""The accuracy ladder past the chapter (MISSION.md, "Past the chapter").

Named, reproducible models that each beat the last on the test set live here,
one module each; the convolutional network imports torch lazily (extra ``[cnn]``).
"""
