//! Names of the Failure Trace Archive's failure-cause codes (`event_end_reason`) in its LANL
//! conversion, so that `--by cause` says `hardware: CPU` instead of `1005`.
//!
//! The FTA file holds only numbers. The names come from matching each FTA failure to the LANL
//! CFDR record of the same system and start time, which names the cause in words: every code
//! maps to one LANL sub-cause (ties broken by the most frequent), and the thousands group to one
//! LANL category (0 undetermined, 2-6 facilities, 1xxx node hardware, 2xxx storage hardware,
//! 3xxx network, 4xxx software, 5xxx human error).

/// `(code, category, sub-cause)`.
const CODES: [(u32, &str, &str); 122] = [
    (0, "undetermined", "Undetermined"),
    (2, "facilities", "Power Outage"),
    (3, "facilities", "Power Spike"),
    (4, "facilities", "Chillers"),
    (5, "facilities", "Environment"),
    (6, "facilities", "UPS"),
    (1000, "hardware", "Other"),
    (1001, "hardware", "40MM Cooling Fan"),
    (1004, "hardware", "Console Interface Module"),
    (1005, "hardware", "CPU"),
    (1006, "hardware", "DG Board"),
    (1007, "hardware", "Fan"),
    (1008, "hardware", "Fan Assembly"),
    (1009, "hardware", "GFX Power Supply"),
    (1010, "hardware", "Graphics Accel Hdwr"),
    (1011, "hardware", "Graphics Video Card"),
    (1012, "hardware", "Heatsink bracket"),
    (1013, "hardware", "IO6"),
    (1014, "hardware", "IOS Buffer Memory"),
    (1015, "hardware", "IOS CPU"),
    (1017, "hardware", "Ktown Board"),
    (1018, "hardware", "Maintenance"),
    (1019, "hardware", "Memory Dimm"),
    (1020, "hardware", "Memory Dimm/CPU"),
    (1021, "hardware", "Memory Module"),
    (1022, "hardware", "MIA"),
    (1023, "hardware", "Mid-plane"),
    (1024, "hardware", "MMB"),
    (1025, "hardware", "Module Assembly"),
    (1026, "hardware", "MSC Board"),
    (1027, "hardware", "OCP"),
    (1028, "hardware", "PCI Backplane"),
    (1029, "hardware", "Power cord"),
    (1030, "hardware", "Power Supply"),
    (1033, "hardware", "RM Board"),
    (1034, "hardware", "SSD Logic"),
    (1035, "hardware", "SSD Memory Module"),
    (1036, "hardware", "System Board"),
    (1037, "hardware", "System Controller"),
    (1038, "hardware", "Temp Probe"),
    (1040, "hardware", "Vhisp"),
    (1041, "hardware", "WACS Logic"),
    (1042, "hardware", "Wire Harness"),
    (1043, "hardware", "Node Board"),
    (2001, "hardware", "Disk Cabinet"),
    (2002, "hardware", "Disk Drive"),
    (2003, "hardware", "Drive Cage"),
    (2004, "hardware", "Fddi"),
    (2005, "hardware", "Fibre Cable"),
    (2006, "hardware", "Fibre Channel Port Adapter"),
    (2007, "hardware", "Fibre Drive"),
    (2008, "hardware", "Fibre HBA"),
    (2009, "hardware", "Fibre Raid Controller"),
    (2010, "hardware", "Fibre Raid LCC card"),
    (2011, "hardware", "Fibre Raid Midplane"),
    (2012, "hardware", "Fibre Raid Power Supply"),
    (2014, "hardware", "IOS Disk Logic"),
    (2015, "hardware", "PCI Fibre Channel Adapter"),
    (2016, "hardware", "PCI IO Module"),
    (2017, "hardware", "PCI SCSI Controller"),
    (2018, "hardware", "PCI Shoebox"),
    (2019, "hardware", "SAN Appliance"),
    (2020, "hardware", "SAN Controller"),
    (2021, "hardware", "SAN Disk Drive"),
    (2022, "hardware", "SAN Fiber Cable"),
    (2023, "hardware", "SAN GBIC"),
    (2024, "hardware", "SAN Shelf"),
    (2026, "hardware", "SCSI Adapter Card"),
    (2027, "hardware", "SCSI Controller"),
    (2028, "hardware", "SCSI Drive"),
    (3000, "network", "Network"),
    (3001, "hardware", "1 GBit Ethernet Card"),
    (3002, "hardware", "100 MBit Ethernet Card"),
    (3003, "hardware", "Ethernet Cable"),
    (3004, "hardware", "Ethernet Copper Cable"),
    (3005, "hardware", "Ethernet Fiber Cable"),
    (3006, "hardware", "Ethernet Switch"),
    (3007, "hardware", "GE Board"),
    (3008, "hardware", "Gig E Connection"),
    (3009, "hardware", "Gig E Switch"),
    (3010, "software", "Interconnect"),
    (3011, "hardware", "Interconnect Cable"),
    (3012, "hardware", "Interconnect Interface"),
    (3013, "hardware", "Interconnect Misc"),
    (3014, "hardware", "Interconnect Soft Error"),
    (3015, "hardware", "Interconnect Switch"),
    (3016, "hardware", "PCI Ethernet Board"),
    (3017, "hardware", "PCI GBIT Ethernet Board"),
    (3018, "hardware", "Router Board"),
    (3019, "hardware", "Site Ethernet Switch"),
    (3020, "hardware", "Site Network Interface"),
    (3021, "hardware", "Console Network Device"),
    (4000, "software", "Other Software"),
    (4001, "software", "Disk IO, firmware and storage"),
    (4002, "software", "MPI, PVM, Array services"),
    (4003, "software", "Cluster File System"),
    (4004, "software", "Cluster Software"),
    (4005, "software", "Compilers and libraries"),
    (4006, "software", "DST"),
    (4007, "software", "DST-Scan for errors /scratch"),
    (4008, "software", "DST-Upgrd/Install OS sftw"),
    (4009, "software", "DST-Upgrd/Instl 3rdParty Sftw"),
    (4010, "software", "DST-Upgrd/Instl OS Sftw"),
    (4012, "software", "IOS Software"),
    (4013, "software", "Kernel software"),
    (4014, "software", "Modify kernel parameters"),
    (4015, "software", "Modify system config files"),
    (4017, "software", "NFS"),
    (4018, "software", "OS"),
    (4019, "software", "Parallel File System"),
    (4020, "software", "Patch Install"),
    (4021, "software", "Resource Mgmt System"),
    (4022, "software", "Scheduler Software"),
    (4023, "software", "Scratch Drive"),
    (4024, "software", "Scratch FS"),
    (4025, "software", "Security Software"),
    (4026, "software", "Upgrade/Install 3rd Party Sftw"),
    (4027, "software", "Upgrade/Install OS sftw"),
    (4028, "software", "User code"),
    (4029, "software", "Vizscratch FS"),
    (5000, "human error", "Human Error"),
    (10016, "hardware", "KGPSA"),
];

/// The readable name of an FTA cause code: `hardware: CPU`, or the code itself when unknown.
pub fn describe(code: &str) -> String {
    code.parse::<u32>()
        .ok()
        .and_then(|c| CODES.binary_search_by_key(&c, |(code, _, _)| *code).ok())
        .map(|i| match CODES[i] {
            (_, category, sub) if sub.eq_ignore_ascii_case(category) => category.to_string(),
            (_, category, sub) => format!("{category}: {sub}"),
        })
        .unwrap_or_else(|| format!("FTA code {code}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sorted_and_named() {
        assert!(CODES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(describe("1005"), "hardware: CPU");
        assert_eq!(describe("0"), "undetermined");
        assert_eq!(describe("77777"), "FTA code 77777");
    }
}
