"""The rows of a dashboard chart's table, written in Python rather than by a template loop:
the same cells the template wrote, labels escaped."""

from portal.charts import table_rows
from portal.dashboard import Series


def test_each_row_has_its_label_its_values_and_its_total_when_asked():
    series = Series(columns=[("1", "a"), ("2", "b")], rows=[("02-17", [3, 0]), ("02-18", [1, 2])])
    assert table_rows(series, total_column=True) == (
        '<tr><th scope="row">02-17</th><td class="number">3</td><td class="number">0</td>'
        '<td class="number">3</td></tr>\n'
        '<tr><th scope="row">02-18</th><td class="number">1</td><td class="number">2</td>'
        '<td class="number">3</td></tr>'
    )
    assert '<td class="number">3</td></tr>' not in table_rows(series, total_column=False)


def test_a_label_is_escaped():
    series = Series(columns=[("n", "n")], rows=[('<b>"&', [1])])
    assert '<th scope="row">&lt;b&gt;&quot;&amp;</th>' in table_rows(series, total_column=False)
    assert table_rows(Series(columns=[("n", "n")]), total_column=False) == ""
