"""The accuracy ladder past the chapter (MISSION.md, "Past the chapter").

Named, reproducible models that each beat the last on the test set live here.

``registry``
    The named models and their settings; each names a family.
``classical``, ``cnn``, ``ensemble``
    The families, one package each (``FILE_SUFFIX``, ``train``, ``save``,
    ``load``), with the model, its training and its files in modules apart.
    The last two need the extra ``[cnn]`` (torch).
``base``
    What a model is to the rest of mnistlab, and ``check_images``.
``augment``, ``transforms``
    Moving digits for the networks; deskewing, HOG and shifts for the others.
``openmp``
    How torch's OpenMP threads wait, chosen before torch is imported.
``training``, ``store``, ``evaluation``, ``leaderboard``
    Training a named model into the store of model files, and scoring it.
``grid``, ``tuning``
    Cross-validated searches over the classical models' settings.
"""
