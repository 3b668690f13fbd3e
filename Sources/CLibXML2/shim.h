#ifndef EXPLICABLE_CLIBXML2_SHIM_H
#define EXPLICABLE_CLIBXML2_SHIM_H

// Debian's libxml2 pulls in the system ICU headers, which clash with the copy Foundation
// carries ("'UErrorCode' has different definitions in different modules"). Nothing here
// needs ICU, so switch it off before any other libxml2 header is read.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>
#include <libxml/HTMLparser.h>
#include <libxml/entities.h>
#include <libxml/hash.h>

/// Frees memory that libxml2 allocated (`xmlTextReaderGetAttribute` results and the like).
/// `xmlFree` is a global function pointer, which Swift 6 refuses to read as shared mutable state.
static inline void CLibXML2_free(void *p) { xmlFree(p); }

/// The name of the first entity (general or parameter) that the DOCTYPE node `node` declares,
/// or NULL when it declares none or `node` is not a DOCTYPE. The name belongs to the document:
/// valid while the reader is on `node`, not to be freed.
static inline const xmlChar *CLibXML2_firstEntityDeclaration(xmlNodePtr node) {
    if (node == NULL || node->type != XML_DTD_NODE) return NULL;
    for (xmlNodePtr child = node->children; child != NULL; child = child->next) {
        if (child->type == XML_ENTITY_DECL) return ((xmlEntityPtr)child)->name;
    }
    xmlDtdPtr dtd = (xmlDtdPtr)node;
    if ((dtd->entities != NULL && xmlHashSize((xmlHashTablePtr)dtd->entities) > 0)
        || (dtd->pentities != NULL && xmlHashSize((xmlHashTablePtr)dtd->pentities) > 0)) {
        return (const xmlChar *)"(unnamed)";
    }
    return NULL;
}

#endif
