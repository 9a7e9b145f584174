import pandas as pd

from cs360lib.steps.scanning.language import looks_english


def test_english_and_other_languages_are_told_apart():
    texts = pd.Series(
        [
            "Street robbery around the bus bays is what everyone talks about at night.",
            "Hay muchos robos cerca de la parada del autobús por la noche y nadie hace nada.",
            "Có nhiều vụ cướp giật gần trạm xe buýt vào ban đêm.",
            "Speeding on Grand Ave.",
            None,
            "The kids told me, no hay nada que hacer, so they hang out at the corner store.",
        ]
    )
    assert looks_english(texts).tolist() == [True, False, False, True, True, True]
