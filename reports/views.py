from django.http import HttpResponse


def matrix(request):  # placeholder until the comparison views land
    return HttpResponse("matrix")


def matrix_csv(request):
    return HttpResponse("city", content_type="text/csv")


def dashboard(request):
    return HttpResponse("dashboard")
