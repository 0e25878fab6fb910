"""A small FastAPI service with file uploads, used to produce tests/specs/fastapi_files.json.

Regenerate (FastAPI 0.98.0, pydantic 1.10, python-multipart):
    python fastapi_files_app.py > fastapi_files.json
"""
import enum
import json
from datetime import datetime
from typing import List, Optional

from fastapi import FastAPI, File, Form, HTTPException, Path, Query, UploadFile
from pydantic import BaseModel, Field

app = FastAPI(title="Files Service", version="0.3.0", description="Stores documents and their versions.")


class Visibility(str, enum.Enum):
    private = "private"
    team = "team"
    public = "public"


class Document(BaseModel):
    id: str = Field(..., regex=r"^doc_[0-9a-f]{8}$")
    name: str = Field(..., min_length=1, max_length=200)
    size: int = Field(..., ge=0)
    content_type: Optional[str] = None
    visibility: Visibility = Visibility.private
    tags: List[str] = []
    created_at: datetime


class DocumentPatch(BaseModel):
    name: Optional[str] = Field(None, min_length=1, max_length=200)
    visibility: Optional[Visibility] = None
    tags: Optional[List[str]] = None


class Page(BaseModel):
    items: List[Document]
    next_cursor: Optional[str] = None


@app.post("/documents", response_model=Document, status_code=201, tags=["documents"])
async def upload_document(
    file: UploadFile = File(..., description="The document"),
    name: Optional[str] = Form(None),
    visibility: Visibility = Form(Visibility.private),
    tags: List[str] = Form([]),
):
    """Upload a document."""
    raise HTTPException(501)


@app.post("/documents/batch", response_model=List[Document], tags=["documents"])
async def upload_documents(files: List[UploadFile] = File(...)):
    """Upload several documents at once."""
    raise HTTPException(501)


@app.get("/documents", response_model=Page, tags=["documents"])
async def list_documents(
    cursor: Optional[str] = None,
    limit: int = Query(20, ge=1, le=100),
    visibility: Optional[Visibility] = None,
    tag: List[str] = Query([]),
):
    """List documents."""
    raise HTTPException(501)


@app.get("/documents/{document_id}", response_model=Document, tags=["documents"])
async def get_document(document_id: str = Path(..., regex=r"^doc_[0-9a-f]{8}$")):
    """Read a document's metadata."""
    raise HTTPException(501)


@app.patch("/documents/{document_id}", response_model=Document, tags=["documents"])
async def update_document(patch: DocumentPatch, document_id: str = Path(..., regex=r"^doc_[0-9a-f]{8}$")):
    """Change a document's metadata."""
    raise HTTPException(501)


@app.delete("/documents/{document_id}", status_code=204, tags=["documents"])
async def delete_document(document_id: str = Path(..., regex=r"^doc_[0-9a-f]{8}$")):
    """Delete a document."""
    raise HTTPException(501)


@app.put("/documents/{document_id}/content", response_model=Document, tags=["documents"])
async def replace_content(
    document_id: str = Path(..., regex=r"^doc_[0-9a-f]{8}$"),
    file: UploadFile = File(...),
):
    """Replace a document's content."""
    raise HTTPException(501)


@app.get("/health")
async def health():
    return {"ok": True}


if __name__ == "__main__":
    print(json.dumps(app.openapi(), indent=2))
