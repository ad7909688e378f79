# Models arrive with the features that need them (see the issues).
