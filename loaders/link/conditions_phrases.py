"""Phrasings read as the words the sources use, before a name is cut into words (both sides of a comparison).

Registries write a tumour by a former name, a site by another phrase, a family with "family of tumors";
the sources (Orphanet product 3, the ORPHApackets, OncoTree) use today's names. :func:`rephrase` rewrites
such phrases in a text or an entity name, so the canonical key of
:func:`loaders.link.conditions_names.canonical_key` compares what the texts mean:

* **former names** (WHO classifications): "mixed glioma" is an oligoastrocytoma; "Hodgkin's disease" the
  Hodgkin lymphoma; "dermatofibrosarcoma" alone the dermatofibrosarcoma protuberans (its only kind);
  "neurofibromatosis 1" the neurofibromatosis type 1, and type 2 Orphanet's "Full NF2-related schwannomatosis"; the
  haemangiopericytoma the solitary fibrous tumour (WHO 2016); the undifferentiated thyroid carcinoma the anaplastic one; "mycoses fungoides" the mycosis fungoides; "Kaposi's"
  alone the Kaposi sarcoma; an astrocytoma of WHO grade II the diffuse astrocytoma, a diffuse glioma of grade
  III the anaplastic one, an astrocytoma of grade IV the glioblastoma (WHO 2007-2016); the ependymoblastoma the
  embryonal tumour with multilayered rosettes (WHO 2016); a verrucous, basaloid or cloacogenic carcinoma, and the
  pharynx's lymphoepithelioma, the squamous cell carcinoma of its site (variants without a node); the olfactory
  neuroblastoma the sinonasal one; "neoplasia" a
  neoplasm; "IDH mutant", "IDH wildtype" (and "1p/19q codeleted") written after a glioma's type without a comma
  add nothing to it; Paget disease of the
  vulva, penis, scrotum, perineum or anus is the extramammary Paget disease; "Ewing's tumour" the
  Ewing sarcoma, and a "primitive neuroectodermal tumour" named with it the peripheral one; a B1, B2 or B3 thymoma (no node of its own) the thymoma type B; an "islet cell" tumour a
  pancreatic neuroendocrine one, and its "carcinoma" the pancreatic neuroendocrine tumour (it named the
  malignant well-differentiated tumour, not a neuroendocrine carcinoma); "pigmented villonodular synovitis" and
  the "giant cell tumour of tendon sheath" the (diffuse, localised) tenosynovial giant cell tumour; "NUT
  carcinoma" the NUT midline carcinoma; a "pancreatic polypeptide tumour" the PPoma; "Hürthle cell" carcinoma
  is oncocytic; the insular thyroid carcinoma the poorly differentiated one; the acinic cell tumour the acinic cell
  carcinoma; the salivary gland's malignant mixed tumour its carcinoma ex pleomorphic adenoma; clear cell sarcoma (of soft tissue, not the kidney's) is Orphanet's "Melanoma of soft tissue";
* **site phrasings**: "adrenal cortex"/"adrenal cortical" is adrenocortical; "nasal cavity and paranasal
  sinuses" is sinonasal; "gastroesophageal" is esophagogastric (the junction); "mucosal" is of the mucosa;
  the "cervical" oesophagus is no cervix; the melanoma of the iris, ciliary body or choroid, or "intraocular", is a
  uveal melanoma (no source has a node for the parts of the uvea); "salivary" is of the salivary glands (OncoTree's "Salivary Carcinoma" is Orphanet's malignant epithelial
  tumour of salivary glands);
* **acronyms** of the neuroendocrine neoplasms, in upper case (NET, NEC, NEN, GEP-, SI-), which the sources
  spell out (MedDRA's "NEC" after a group word, "conditions NEC", is "not elsewhere classified"), and those of one type each (LMS, STS, UPS, DSRCT, MPM, CTCL; never a two-letter or ambiguous
  one such as ACC or GCT);
* a **seminomatous germ cell tumour** is a seminoma;
* a **salivary-type carcinoma** (adenoid cystic, mucoepidermoid, acinic cell) of a head and neck mucosa, a text's
  last words, is one of the salivary glands (its minor glands);
* **receptor status** ("somatostatin receptor positive", "SSTR2-expressing") is left out: it says which patients;
* **ICD-10 lines**: a leading code ("C73 - ") is dropped; so are a staging system and its edition ("... AJCC v8",
  "FIGO 2018") and the kind of staging ("Clinical Stage II"), and "HPV-mediated" is "HPV" (a marker, a
  qualifier); a risk group and an intermediate grade are qualifiers, and a text's last word "patients" is dropped;
* **spellings**: British spellings of the sources' words (phaeo-, oesophag-, haem-, gynaecolog-), words
  written in two (neuro-endocrine, entero-pancreatic = gastroenteropancreatic, whose "tumour" is the
  neuroendocrine one; so are the gut and the pancreas named together, "of the gastrointestinal tract and
  pancreas", "gastroenteric or pancreatic"); a negated
  stage or course qualifier ("non-metastatic", "non-resectable") is a qualifier like the plain one;
* **family phrasings**: "Ewing's family of tumors", "Ewing sarcoma family of tumors" name the type; MeSH's
  tissue umbrellas ("Neoplasms, Adipose Tissue", "..., Muscle Tissue", "..., Fibrous Tissue", "..., Vascular
  Tissue") are its connective tissue neoplasms, its "Neoplasms, Squamous Cell" the squamous cell carcinoma, read in
  their record;
  possessives are dropped ("Ewing's" = "Ewing").

Only names for the same thing, both ways: a part is not its whole (the duodenum is small intestine, but
OncoTree's "Duodenal Adenocarcinoma" is no "Small Bowel Adenocarcinoma"), and no single word that could mean
something else ("central" alone is no nervous system).
"""

from __future__ import annotations

import functools
import re

#: (pattern, replacement), applied in order, case-insensitively
PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.IGNORECASE), r) for p, r in (
    (r"['’]s\b", ""),
    # British spellings of the sources' words ("Phaeochromocytoma", "Oesophageal", "Haemangioendothelioma")
    (r"\bphaeo", "pheo"),
    (r"\boesophag", "esophag"),
    (r"\bhaem(?=[a-z]{4})", "hem"),
    (r"\bgynaecolog", "gynecolog"),
    # a receptor status says which patients, not which tumour ("somatostatin receptor positive GEP-NET")
    (r"\b(?:[a-z0-9/-]+[ -])?receptors?[- ](?:positive|negative|expressing|avid)\b|\bsstr\d?[- ](?:positive|expressing|avid)\b",
     ""),
    # a salivary-type carcinoma of a head and neck mucosa is a tumour of its minor salivary glands, the type's own
    # site (protocol rule 4: "adenoid cystic carcinoma of the head and neck" is the salivary glands' malignant
    # epithelial tumour): the type alone, as OncoTree and Orphanet name it there
    ((r"\b(adenoid cystic|mucoepidermoid|acinic cell) carcinomas? of (?:the )?(?:oral cavity|mouth|palate|tongue|"
      r"floor of (?:the )?mouth|buccal mucosa|oropharynx|head and neck|nasal cavity|paranasal sinus(?:es)?|sinonasal tract)"
      r"\s*$"),
     r"\1 carcinoma"),
    # a seminomatous germ cell tumour is a seminoma (Orphanet: "Testicular seminoma", a synonym of its node)
    ((r"(?<!non)(?<!non-)(?<!non )(?<!and )(?<!or )(?<!/)(?<!extragonadal )(?<!mediastinal )"
      r"\bseminomatous germ[- ]cell (?:tumou?rs?|neoplasms?)\b"), "seminoma"),
    # an ICD-10 line: its code says nothing the words do not (its "malignant neoplasm of X" is not read as the
    # cancer of X: a compound splits "..., secondary" off, and the thymus' includes the thymoma)
    (r"^\s*[CD]\d{2}(?:\.\d{1,2})?\s*(?:[-:–]\s*)?(?=[A-Za-z])", ""),
    # a staging system's edition and the kind of staging say which patients, not which tumour (NCI's "Stage II
    # Laryngeal Cancer AJCC v8", "Clinical Stage III HPV-Mediated (p16-Positive) Oropharyngeal Carcinoma AJCC v8")
    (r"\s*\(?\b(?:AJCC|UICC|FIGO)\b(?:\s*(?:v|version\s*)?\d{1,4}(?:th|st|nd|rd)?)?(?:\s+ed(?:ition)?\b)?\)?", ""),
    (r"\b(?:clinical|pathologic(?:al)?|prognostic)(?= stage\b)", ""),
    (r"\bstage\s+(?:[IV]+|[0-4])[A-C]?[1-3]?[rp]?\b", "stage"),  # FIGO's sub-stages ("Stage IB2", "IIIC1r")
    # the cervical oesophagus is the oesophagus' neck part, no cervix uteri
    (r"\bcervical (?=o?esophag)", ""),
    # a risk group and the word for the people who have it say which patients ("early-stage, intermediate-risk cervical
    # cancer patients")
    (r"\b(?:intermediate|favou?rable|unfavou?rable|poor|good)[- ]risk\b", "risk"),
    (r"\bintermediate[- ]grade\b", "grade"),  # a grade, as "low" and "high" grade are
    (r"\s+patients?\s*$", ""),
    (r"\b(HPV|p16)[- ](?:mediated|associated|related|driven)\b", r"\1"),
    (r"\bneuro[- ]endocrine\b", "neuroendocrine"),
    (r"\bextra[- ](osseous|skeletal)\b", r"extra\1"),
    # Ewing's tumour is the Ewing sarcoma; a WHO thymoma subtype without a node of its own is its type's
    (r"\bEwing(?:'s|’s|s)? tumou?rs?\b", "Ewing sarcoma"),
    # a PNET named with the Ewing sarcoma is its family's peripheral one, not the CNS embryonal tumour
    # (unless it is said to be of the CNS: "Ewing's Sarcoma, Primitive Neuroectodermal Tumors of the CNS")
    ((r"\b(Ewing(?:'s|’s|s)? sarcomas?)(\s*(?:or|and|/|,)\s*)(?:peripheral )?primitive neuroectodermal tumou?rs?\b"
      r"(?!,?\s*(?:(?:of|in) (?:the )?)?(?:CNS|central nervous system|brain|supratentorial|spinal cord)\b)"),
     r"\1\2peripheral primitive neuroectodermal tumor"),
    (r"\b(?:type )?B[123][- ]thymomas?\b|\bthymomas?,? (?:type )?B[123]\b", "thymoma type B"),
    (r"\b(?:gastro[- ]?)?entero[- ]?pancreatic\b", "gastroenteropancreatic"),
    # the gut and the pancreas named together are the gastroenteropancreatic tract ("Neuroendocrine Tumors of the
    # Gastrointestinal Tract and Pancreas", "... of Gastroenteric or Pancreatic Origin", "GI and pancreatic NETs")
    ((r"\b(neuroendocrine (?:tumou?rs?|neoplasms?|carcinomas?)) (?:of|from|in|arising in) (?:the )?"
      r"(?:gastro-?intestinal(?: tract)?|gastro-?enteric|digestive(?: tract)?|GI(?: tract)?)(?: origin)?,? (?:and|or|&|and/or) "
      r"(?:the )?pancrea(?:s|tic)(?: origin)?\b"), r"gastroenteropancreatic \1"),
    # ... but only of a neuroendocrine tumour: "Gastrointestinal or Pancreatic Tumors" are no GEP-NENs
    ((r"\b(?:gastro-?intestinal(?: tract)?|gastro-?enteric|GI),? (?:and|or|&|and/or) pancreatic"
      r"(?=\s+(?:neuroendocrine|NETs?|NENs?|NECs?|carcinoids?)\b)"), "gastroenteropancreatic"),
    # a gastroenteropancreatic tumour is the neuroendocrine one (no other tumour is grouped so)
    (r"\bgastroenteropancreatic (tumou?rs?|neoplasms?)\b", r"gastroenteropancreatic neuroendocrine \1"),
    # a negated stage or course qualifier is a qualifier all the same (MedDRA's "Liposarcoma non-metastatic")
    ((r"\bnon[- ]?(?=(?:metastatic|metastasi[sz]ed|resectable|resected|operable|recurrent|refractory|advanced|"
     r"progressive)\b)"), ""),
    (r"\b(?:sarcoma )?family of tumou?rs\b", "sarcoma"),
    (r"\bneoplasms?, (?:adipose|muscle|fibrous|vascular) tissue\b", "neoplasms, connective tissue"),
    (r"\bneoplasms?, squamous cell\b", "squamous cell carcinoma"),
    (r"\bmixed gliomas?\b", "oligoastrocytoma"),
    (r"\bHodgkin disease\b", "Hodgkin lymphoma"),
    # histological variants of the squamous cell carcinoma without a node of their own (conditions_protocol.md
    # rule 1: "verrucous carcinoma of the larynx" is the larynx's SCC); the pharynx's lymphoepithelioma is its
    # non-keratinising (lymphoepithelial) SCC
    (r"\b(?:verrucous|basaloid|cloacogenic)(?: squamous(?: cell)?)? carcinomas?\b", "squamous cell carcinoma"),
    (r"\blymphoepitheliomas?(?=(?: of)?(?: the)? (?:naso|oro|hypo)?pharyn)", "squamous cell carcinoma"),
    (r"\b((?:naso|oro|hypo)?pharyngeal) lymphoepitheliomas?\b", r"\1 squamous cell carcinoma"),
    # the olfactory neuroblastoma (esthesioneuroblastoma) is of the nasal cavity
    (r"\bolfactory neuroblastomas?\b", "sinonasal neuroblastoma"),
    (r"\bependymoblastomas?\b", "embryonal tumor with multilayered rosettes"),
    (r"\bneoplasias?\b", "neoplasm"),
    # the molecular half of a WHO 2016/2021 glioma name, written without its comma, says nothing its type does not
    # ("astrocytoma IDH mutant"; the sources' own "Glioblastoma, IDH-wildtype" keeps its comma and is read whole)
    (r"(?<=[a-z])\s+IDH[- ]?(?:1[- ]?)?(?:mutant|mutated|wild[- ]?type)\b(?:\s+(?:and\s+)?1p/19q[- ]co-?deleted\b)?", ""),
    # Paget disease outside the breast is the extramammary one
    (r"\bPaget(?:'s)? disease of (?:the )?(?:vulva|penis|scrotum|perineum|perianal skin|anus|axilla)\b",
     "extramammary Paget disease"),
    # WHO grades of the diffuse gliomas (2007-2016 classification): grade II astrocytoma is the diffuse one, grade
    # III the anaplastic one (astrocytoma, oligodendroglioma, oligoastrocytoma), grade IV astrocytoma glioblastoma
    (r"\b(?:diffuse )?astrocytomas?,? (?:WHO )?grade (?:II|2)\b|\b(?:WHO )?grade (?:II|2) astrocytomas?\b",
     "diffuse astrocytoma"),
    (r"\b(astrocytoma|oligodendroglioma|oligoastrocytoma)s?,? (?:WHO )?grade (?:III|3)\b", r"anaplastic \1"),
    (r"\b(?:WHO )?grade (?:III|3) (astrocytoma|oligodendroglioma|oligoastrocytoma)s?\b", r"anaplastic \1"),
    (r"\bastrocytomas?,? (?:WHO )?grade (?:IV|4)\b|\b(?:WHO )?grade (?:IV|4) astrocytomas?\b", "glioblastoma"),
    (r"\bKaposi\b(?! sarcoma)(?!\S)", "Kaposi sarcoma"),
    (r"\bmycos[ie]s fungoides\b", "mycosis fungoides"),
    (r"\bdermatofibrosarcomas?\b(?! protuberans)", "dermatofibrosarcoma protuberans"),
    (r"\bneurofibromatosis (?=[12]\b)", "neurofibromatosis type "),
    # Orphanet's name since 2023 for neurofibromatosis type 2; the haemangiopericytoma is the solitary fibrous tumour
    # (WHO 2016); the undifferentiated thyroid carcinoma is the anaplastic one
    (r"\bneurofibromatosis,? type (?:2|II)\b", "full NF2-related schwannomatosis"),
    # (not "NF2" alone: a gene as often as the syndrome, and a gene of a biomarker list, "BAP1, NF2, LATS2 altered")
    (r"\bhemangiopericytomas?\b", "solitary fibrous tumor"),
    (r"\b(thyroid(?: gland)?) undifferentiated(?: \(anaplastic\))?", r"\1 anaplastic"),
    (r"\bundifferentiated (?=thyroid\b)", "anaplastic "),
    # an islet cell carcinoma (cancer) was the malignant well-differentiated tumour, not a neuroendocrine carcinoma
    (r"\bislet[- ]cell (?:carcinoma|cancer)s?\b", "pancreatic neuroendocrine tumor"),
    (r"\bislet[- ]cell (tumou?r|neoplasm)s?\b", r"pancreatic neuroendocrine \1"),
    (r"\bpigmented villonodular synovitis\b", "tenosynovial giant cell tumor"),
    (r"\bgiant[- ]cell tumou?rs? of (?:the )?tendon sheaths?\b", "tenosynovial giant cell tumor"),
    (r"\bNUT carcinoma\b", "NUT midline carcinoma"),
    (r"\bpancreatic polypeptide(?:[- ]secreting)? tumou?rs?\b", "PPoma"),
    (r"\bh[uü]rthle[- ]cell\b", "oncocytic"),
    # WHO's former names: the insular thyroid carcinoma is the poorly differentiated one (WHO 2004), the acinic cell
    # tumour the acinic cell carcinoma (WHO 1991), the salivary gland's malignant mixed tumour its carcinoma ex
    # pleomorphic adenoma (the commonest of them, and the name OncoTree and WHO 2017 use)
    # (never the pancreas's: its "insular" carcinoma is of the islets)
    ((r"\binsular (carcinoma|cancer)s? of (?:the )?thyroid(?: gland)?\b|(?<!pancreatic )(?<!pancreas )(?<!islet )"
      r"\binsular (?:thyroid )?(carcinoma|cancer)s?\b(?! of (?:the )?(?:pancreas|islets?)\b)"),
     r"poorly differentiated thyroid \1\2"),
    (r"\bacinic[- ]cell (?:tumou?r|neoplasm)s?\b", "acinic cell carcinoma"),
    (r"(?<=salivary gland )malignant mixed (?:cell type )?tumou?rs?\b", "carcinoma ex pleomorphic adenoma"),
    (r"\bclear[- ]cell sarcomas?(?! of (?:the )?kidney)\b", "melanoma of soft tissue"),
    (r"\badrenal (?:gland )?(?:cortex|cortical)\b", "adrenocortical"),
    (r"\bnasal cavity and (?:the )?paranasal sinus(?:es)?\b", "sinonasal"),
    (r"\bparanasal sinus(?:es)? and (?:the )?nasal cavity\b", "sinonasal"),
    (r"\bgastro-?o?esophageal\b", "esophagogastric"),
    (r"\bo?esophago-?gastric\b", "esophagogastric"),
    (r"\b(?:intraocular|iris|ciliary body|choroidal|choroid) (?:malignant )?melanomas?\b", "uveal melanoma"),
    (r"\bmucosal\b", "mucosa"),
    # the neuroendocrine acronyms, upper case only (GEP-NET, SI-NET, Thymic NET, Lung NEC)
    (r"(?-i:\bGEP)(?=[- ])", "gastroenteropancreatic"),
    (r"(?-i:\bSI)(?=[- ]NETs?\b)", "small intestine"),
    (r"(?-i:\bNETs?\b)", "neuroendocrine tumor"),
    # ... but MedDRA's "NEC" after its group words is "not elsewhere classified" ("Skin and subcutaneous conditions NEC")
    (r"\b(conditions|disorders|diseases|neoplasms|malignant|benign|unspecified) (?-i:NEC\b)",
     r"\1 not elsewhere classified"),
    (r"(?-i:\bNECs?\b)", "neuroendocrine carcinoma"),
    # the sarcoma, mesothelioma and lymphoma acronyms that name one type only, upper case only
    (r"(?-i:\bLMS\b)", "leiomyosarcoma"),
    (r"(?-i:\bSTS\b)", "soft tissue sarcoma"),
    (r"(?-i:\bUPS\b)", "undifferentiated pleomorphic sarcoma"),
    (r"(?-i:\bDSRCT\b)", "desmoplastic small round cell tumor"),
    (r"(?-i:\bMPM\b)", "malignant pleural mesothelioma"),
    (r"(?-i:\bCTCL\b)", "cutaneous T-cell lymphoma"),
    (r"(?-i:\bNENs?\b)", "neuroendocrine neoplasm"),
    (r"\bsalivary(?! glands?\b)", "salivary gland"),
))


@functools.lru_cache(maxsize=131_072)
def rephrase(text: str) -> str:
    """The text with former names and other phrasings written as the sources write them (module docstring);
    memoised, since every comparison of a build rewrites the same names again.

    >>> rephrase("Adult Mixed Glioma"), rephrase("Ewing's Family of Tumors")
    ('Adult oligoastrocytoma', 'Ewing sarcoma')
    >>> rephrase("Adrenal Cortex Neoplasms"), rephrase("Sinonasal cancer")
    ('adrenocortical Neoplasms', 'Sinonasal cancer')
    """
    for pattern, replacement in PHRASES:
        text = pattern.sub(replacement, text)
    return text
