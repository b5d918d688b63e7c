//! A table output as Parquet (`--format parquet`): the rows and columns of the command's CSV,
//! typed.
//!
//! Each column takes the narrowest type all its values fit: whole numbers as `Int64`, other
//! numbers (`inf` included) as `Float64`, anything else as text; an empty field is a null. A
//! value counts as a number only when the number prints back as the same text (`007` and `+3`
//! stay text), so the Parquet file holds exactly what the CSV holds, and a query engine reads
//! numbers as numbers. A column's type follows its values: a figure that happens to be whole in
//! every row of one output is `Int64` there.

use std::io::{self, Cursor};

use polars::prelude::*;

/// What one column holds.
enum Values {
    Whole(Vec<Option<i64>>),
    Number(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
}

impl Values {
    fn of(fields: &[Option<String>]) -> Self {
        let present = || fields.iter().flatten();
        let whole = |v: &String| v.parse::<i64>().is_ok_and(|n| n.to_string() == *v);
        let number = |v: &String| v.parse::<f64>().is_ok_and(|x| x.to_string() == *v);
        if present().all(whole) {
            Values::Whole(
                fields
                    .iter()
                    .map(|v| v.as_ref().and_then(|v| v.parse().ok()))
                    .collect(),
            )
        } else if present().all(number) {
            Values::Number(
                fields
                    .iter()
                    .map(|v| v.as_ref().and_then(|v| v.parse().ok()))
                    .collect(),
            )
        } else {
            Values::Text(fields.to_vec())
        }
    }

    fn column(self, name: &str) -> Column {
        match self {
            Values::Whole(v) => Column::new(name.into(), v),
            Values::Number(v) => Column::new(name.into(), v),
            Values::Text(v) => Column::new(name.into(), v),
        }
    }
}

/// The CSV text `csv` (a header and rows) as a Parquet file.
pub fn from_csv(csv: &[u8]) -> io::Result<Vec<u8>> {
    let mut reader = csv::Reader::from_reader(csv);
    let names: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let mut fields: Vec<Vec<Option<String>>> = vec![Vec::new(); names.len()];
    for record in reader.records() {
        let record = record?;
        for (i, column) in fields.iter_mut().enumerate() {
            let value = record.get(i).unwrap_or("");
            column.push((!value.is_empty()).then(|| value.to_string()));
        }
    }
    let columns = names
        .iter()
        .zip(fields)
        .map(|(name, values)| Values::of(&values).column(name))
        .collect();
    let mut frame = DataFrame::new_infer_height(columns).map_err(io::Error::other)?;
    let mut out = Cursor::new(Vec::new());
    ParquetWriter::new(&mut out)
        .finish(&mut frame)
        .map_err(io::Error::other)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_take_the_narrowest_type_and_empty_fields_are_null() {
        let parquet =
            from_csv(b"name,count,share,note,code\nn1,3,0.5,,007\nn2,,inf,late,12\n").unwrap();
        let frame = ParquetReader::new(Cursor::new(parquet)).finish().unwrap();
        let types: Vec<DataType> = frame.dtypes();
        assert_eq!(
            types,
            [
                DataType::String,
                DataType::Int64,
                DataType::Float64,
                DataType::String,
                DataType::String
            ]
        );
        assert_eq!(frame.height(), 2);
        let count = frame.column("count").unwrap().i64().unwrap();
        assert_eq!(count.get(0), Some(3));
        assert_eq!(count.get(1), None);
        let share = frame.column("share").unwrap().f64().unwrap();
        assert_eq!(share.get(1), Some(f64::INFINITY));
        let note = frame.column("note").unwrap().str().unwrap();
        assert_eq!((note.get(0), note.get(1)), (None, Some("late")));
    }
}
